package io.ktls4j.handshake.lab;

import io.ktls4j.testkit.Patience;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.Ktls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The handshake bridge on the kernel backend, against OpenSSL, in the kernel lab: a representative subset of the
 * interop matrix (the full matrix runs on the software backend on the host). Both directions must be placed in the
 * kernel ({@link BackendPolicy#KERNEL_REQUIRED}), the file body goes out with {@code sendfile}, OpenSSL's
 * NewSessionTickets arrive through the kernel's control-record path, and {@code /proc/net/tls_stat} counts the
 * sessions. Without kTLS the cases skip, unless {@code KTLS4J_REQUIRE_KERNEL=1} (the lab) makes that a failure.
 */
@Tag(LabTags.KERNEL)
class KernelHandshakeLabTest {
    private static final int SIZE = 4 << 20; // "a multi-megabyte file"

    /** TLS 1.3 and 1.2, AES-GCM and ChaCha20: what the lab kernel accepts and OpenSSL speaks. */
    enum Case {
        TLS13_AES_128_GCM(TlsCipherSuite.TLS_AES_128_GCM_SHA256, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"),
        TLS13_CHACHA20(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"),
        TLS12_ECDHE_ECDSA_AES_256_GCM(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "-tls1_2", "-cipher",
                "ECDHE-ECDSA-AES256-GCM-SHA384");

        final TlsCipherSuite suite;
        final List<String> opensslArgs;

        Case(TlsCipherSuite suite, String... opensslArgs) {
            this.suite = suite;
            this.opensslArgs = List.of(opensslArgs);
        }
    }

    @TempDir
    Path dir;
    private Path cert;
    private Path key;
    private Path data;
    private byte[] bytes;
    private final List<Process> peers = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        if (!KernelTls.isAvailable()) {
            boolean required = "1".equals(System.getenv("KTLS4J_REQUIRE_KERNEL"));
            assertThat(required).as("KTLS4J_REQUIRE_KERNEL=1 but: %s", KernelTls.unavailabilityCause().getMessage())
                    .isFalse();
            assumeThat(false).as("no kTLS in this kernel (%s); runs in the kernel lab",
                    KernelTls.unavailabilityCause().errno()).isTrue();
        }
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2",
                "-keyout", key.toString(), "-out", cert.toString()));
        bytes = new byte[SIZE];
        new Random(SIZE).nextBytes(bytes);
        data = Files.write(dir.resolve("data.bin"), bytes);
    }

    @AfterEach
    void tearDown() {
        peers.forEach(Process::destroyForcibly);
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void openssl_s_client_reads_a_file_sent_with_sendfile_from_a_kernel_tls_server(Case c) throws Exception {
        TlsStatistics before = KernelTls.statistics();
        KtlsContext server = KtlsContext.forServer(cert, key).protocols(c.suite.version()).cipherSuites(c.suite)
                .backend(Ktls.backend(BackendPolicy.KERNEL_REQUIRED))
                .handshakeTimeout(Patience.of(Duration.ofSeconds(60))).build();
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            CompletableFuture<List<BackendKind>> served = CompletableFuture.supplyAsync(() -> {
                try (KtlsConnection conn = server.accept(listener.accept());
                     FileChannel file = FileChannel.open(data)) {
                    long sent = 0;
                    while (sent < SIZE) {
                        sent += conn.sendFile(file, sent, SIZE - sent);
                    }
                    return List.of(conn.backend(Direction.TX), conn.backend(Direction.RX));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                    "-servername", "localhost", "-CAfile", cert.toString(), "-verify_return_error", "-quiet"));
            cmd.addAll(c.opensslArgs);
            Process client = start(cmd);
            byte[] got = client.getInputStream().readAllBytes();
            assertThat(client.waitFor(Patience.millis(120_000), TimeUnit.MILLISECONDS)).isTrue();
            List<BackendKind> placed = served.get(Patience.millis(120_000), TimeUnit.MILLISECONDS);
            assertThat(placed).as("TX and RX in the kernel").allMatch(BackendKind::isKernel);
            assertThat(got.length).as("bytes openssl received").isEqualTo(SIZE);
            assertThat(Arrays.equals(got, bytes)).as("the file, intact").isTrue();
        }
        TlsStatistics after = KernelTls.statistics();
        assertThat(after.get(TlsStat.TlsTxSw)).isGreaterThan(before.get(TlsStat.TlsTxSw));
        assertThat(after.get(TlsStat.TlsRxSw)).isGreaterThan(before.get(TlsStat.TlsRxSw));
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void kernel_tls_client_fetches_from_openssl_s_server(Case c) throws Exception {
        int port;
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-cert", cert.toString(), "-key", key.toString(), "-WWW", "-quiet"));
        cmd.addAll(c.opensslArgs);
        start(cmd);
        awaitListening(port);
        KtlsContext client = KtlsContext.forClient().protocols(c.suite.version()).cipherSuites(c.suite)
                .trustManager(cert).backend(Ktls.backend(BackendPolicy.KERNEL_REQUIRED))
                .handshakeTimeout(Patience.of(Duration.ofSeconds(60))).build();
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        try (KtlsConnection conn = client.connect("localhost", port)) {
            assertThat(conn.backend(Direction.TX).isKernel()).isTrue();
            assertThat(conn.backend(Direction.RX).isKernel()).isTrue();
            conn.write(ByteBuffer.wrap("GET /data.bin HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (conn.read(buf.clear()) >= 0) {
                response.write(buf.array(), 0, buf.position());
            }
            if (c.suite.version() == io.ktls4j.TlsVersion.TLS_1_3) {
                assertThat(conn.sessionTicketsReceived()).as("OpenSSL's NewSessionTickets, read through the kernel")
                        .isPositive();
            }
        }
        byte[] all = response.toByteArray();
        int body = indexOf(all, "\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) + 4;
        assertThat(body).as("an HTTP response from s_server -WWW").isGreaterThan(4);
        assertThat(Arrays.equals(Arrays.copyOfRange(all, body, all.length), bytes)).as("the file, intact").isTrue();
    }

    private Process start(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        peers.add(p);
        p.getOutputStream().close();
        return p;
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", cmd.get(0), out).isZero();
    }

    private static void awaitListening(int port) throws InterruptedException {
        long end = System.nanoTime() + Patience.of(java.time.Duration.ofSeconds(60)).toNanos();
        while (System.nanoTime() < end) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("openssl s_server did not listen on " + port + " within 60 s");
    }

    private static int indexOf(byte[] a, byte[] b) {
        outer:
        for (int i = 0; i + b.length <= a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (a[i + j] != b[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
