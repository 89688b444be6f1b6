package io.ktls4j.bench;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsBackend;
import io.ktls4j.TlsVersion;
import io.ktls4j.sw.SoftwareBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * One-connection loopback bulk transfer, TLS 1.3 AES-128-GCM: ktls4j's software record layer side by side with the
 * JDK's JSSE ({@code SSLSocket}) in the same JVM and run. Records only (keys installed directly for ktls4j; JSSE's
 * handshake is outside the timed part).
 *
 * <pre>java -cp ktls4j-bench/target/benchmarks.jar io.ktls4j.bench.LoopbackBulk [GiB] [rounds]</pre>
 */
public final class LoopbackBulk {
    private static final int CHUNK = 256 * 1024;

    private LoopbackBulk() {
    }

    public static void main(String[] args) throws Exception {
        double gib = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        long bytes = (long) (gib * (1L << 30));
        SSLContext jsse = jsseContext();
        List<Double> sw = new ArrayList<>();
        List<Double> jdk = new ArrayList<>();
        ktls(new SoftwareBackend(), bytes / 8); // warm-up
        jsse(jsse, bytes / 8);
        for (int i = 0; i < rounds; i++) {
            sw.add(ktls(new SoftwareBackend(), bytes));
            jdk.add(jsse(jsse, bytes));
        }
        System.out.printf(Locale.ROOT, "bytes per run: %d (%.2f GiB), rounds: %d, JDK %s%n", bytes, gib, rounds,
                System.getProperty("java.version"));
        System.out.printf(Locale.ROOT, "ktls4j software : median %8.1f MB/s  runs %s%n", median(sw), fmt(sw));
        System.out.printf(Locale.ROOT, "JSSE SSLSocket  : median %8.1f MB/s  runs %s%n", median(jdk), fmt(jdk));
        System.out.printf(Locale.ROOT, "ratio software/JSSE: %.2f%n", median(sw) / median(jdk));
    }

    static double ktls(TlsBackend backend, long bytes) throws Exception {
        byte[] key = new byte[16];
        byte[] iv = new byte[12];
        SecureRandom rnd = new SecureRandom();
        rnd.nextBytes(key);
        rnd.nextBytes(iv);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel a = SocketChannel.open(server.getLocalAddress());
            SocketChannel b = server.accept();
            try (KtlsSocket tx = backend.attach(a); KtlsSocket rx = backend.attach(b)) {
                CryptoInfo info = CryptoInfo.fromWriteIv(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, key, iv, 0);
                tx.install(Direction.TX, info);
                rx.install(Direction.RX, info);
                info.destroy();
                long start = System.nanoTime();
                Thread writer = Thread.ofPlatform().start(() -> {
                    ByteBuffer src = ByteBuffer.allocateDirect(CHUNK);
                    try {
                        long left = bytes;
                        while (left > 0) {
                            src.clear().limit((int) Math.min(CHUNK, left));
                            left -= tx.send(src);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                ByteBuffer dst = ByteBuffer.allocateDirect(CHUNK);
                long got = 0;
                while (got < bytes) {
                    dst.clear();
                    long n = rx.read(dst);
                    if (n < 0) {
                        throw new IllegalStateException("early EOF after " + got);
                    }
                    got += n;
                }
                long nanos = System.nanoTime() - start;
                writer.join();
                return bytes / (nanos / 1e9) / 1e6;
            }
        }
    }

    static double jsse(SSLContext ctx, long bytes) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setEnabledProtocols(new String[] {"TLSv1.3"});
            server.setEnabledCipherSuites(new String[] {"TLS_AES_128_GCM_SHA256"});
            SSLSocket client = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            client.setEnabledProtocols(new String[] {"TLSv1.3"});
            try (client; SSLSocket accepted = (SSLSocket) server.accept()) {
                Thread hs = Thread.ofPlatform().start(() -> {
                    try {
                        accepted.startHandshake();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                client.startHandshake();
                hs.join();
                long start = System.nanoTime();
                Thread writer = Thread.ofPlatform().start(() -> {
                    byte[] src = new byte[CHUNK];
                    try {
                        OutputStream out = client.getOutputStream();
                        long left = bytes;
                        while (left > 0) {
                            int n = (int) Math.min(CHUNK, left);
                            out.write(src, 0, n);
                            left -= n;
                        }
                        out.flush();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                InputStream in = accepted.getInputStream();
                byte[] dst = new byte[CHUNK];
                long got = 0;
                while (got < bytes) {
                    int n = in.read(dst);
                    if (n < 0) {
                        throw new IllegalStateException("early EOF after " + got);
                    }
                    got += n;
                }
                long nanos = System.nanoTime() - start;
                writer.join();
                return bytes / (nanos / 1e9) / 1e6;
            }
        }
    }

    /** A throw-away EC P-256 key and certificate from the JDK's keytool, for the JSSE side. */
    static SSLContext jsseContext() throws Exception {
        Path dir = Files.createTempDirectory("ktls4j-bench");
        Path ks = dir.resolve("bench.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "bench", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "benchpass", "-keypass", "benchpass").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool failed");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "benchpass".toCharArray());
        }
        Files.delete(ks);
        Files.delete(dir);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(store, "benchpass".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static String fmt(List<Double> xs) {
        StringBuilder sb = new StringBuilder();
        for (double x : xs) {
            sb.append(String.format(Locale.ROOT, "%.1f ", x));
        }
        return sb.toString().trim();
    }
}
