package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Interop with the JDK's own TLS (SunJSSE) on loopback, both directions, every suite JSSE has (no AES-CCM). */
class JsseInteropTest {
    private final Closer closer = new Closer();

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    static Stream<TlsCipherSuite> jsseSuites() {
        return Arrays.stream(TlsCipherSuite.values()).filter(s -> s != TlsCipherSuite.TLS_AES_128_CCM_SHA256);
    }

    static TestPki.Issued serverCertFor(TestPki pki, TlsCipherSuite suite) {
        return suite.name().contains("_RSA_") ? pki.rsaServer : pki.ecServer;
    }

    @ParameterizedTest
    @MethodSource("jsseSuites")
    void ktls4jClientToJsseServer(TlsCipherSuite suite) throws Exception {
        TestPki pki = TestPki.get();
        SSLContext jsse = jsseContext(serverCertFor(pki, suite), pki);
        SSLServerSocket ss = (SSLServerSocket) jsse.getServerSocketFactory().createServerSocket(0, 5,
                InetAddress.getLoopbackAddress());
        closer.add(ss);
        ss.setEnabledProtocols(new String[] {suite.version().toString()});
        ss.setEnabledCipherSuites(new String[] {suite.name()});
        CompletableFuture<Void> server = Traffic.async(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[16384];
                for (int n; (n = in.read(buf)) > 0;) {
                    out.write(buf, 0, n);
                }
            }
            return null;
        });

        KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem).cipherSuites(suite).build();
        try (KtlsConnection c = ctx.connect("localhost", ss.getLocalPort())) {
            assertThat(c.version()).isEqualTo(suite.version());
            assertThat(c.cipherSuite()).isEqualTo(suite);
            assertThat(c.peerCertificates().get(0)).isEqualTo(serverCertFor(pki, suite).cert());
            assertCarriedBy(ctx, c);
            echo(c, 11);
            c.shutdownOutput();
            assertThat(c.read(ByteBuffer.allocate(10))).isEqualTo(-1);
            assertThat(c.closeNotifyReceived()).isTrue();
        }
        Traffic.await(server);
    }

    @ParameterizedTest
    @MethodSource("jsseSuites")
    void jsseClientToKtls4jServer(TlsCipherSuite suite) throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(serverCertFor(pki, suite).loadWith(Credentials::fromPem))
                .cipherSuites(suite).build();
        ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        closer.add(listener);
        CompletableFuture<Long> server = Traffic.async(() -> {
            try (KtlsConnection c = ctx.accept(listener.accept())) {
                assertThat(c.cipherSuite()).isEqualTo(suite);
                return echoUntilCloseNotify(c);
            }
        });
        SSLContext jsse = jsseContext(null, pki);
        try (SSLSocket s = (SSLSocket) jsse.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                listener.socket().getLocalPort())) {
            s.setEnabledProtocols(new String[] {suite.version().toString()});
            s.setEnabledCipherSuites(new String[] {suite.name()});
            s.startHandshake();
            assertThat(s.getSession().getCipherSuite()).isEqualTo(suite.name());
            CompletableFuture<Void> writer = Traffic.async(() -> {
                Traffic.send(s.getOutputStream(), 12, Traffic.INTEROP_BYTES);
                return null;
            });
            Traffic.expect(s.getInputStream(), 12, Traffic.INTEROP_BYTES);
            Traffic.await(writer);
        }
        assertThat(Traffic.await(server)).isEqualTo(Traffic.INTEROP_BYTES);
    }

    /**
     * Both directions run on the context's backend: SOFTWARE for the software backend and for "auto" on a kernel
     * without kTLS, a kernel kind otherwise.
     */
    static void assertCarriedBy(KtlsContext ctx, KtlsConnection c) {
        boolean software = ctx.backend().name().equals("software")
                || ctx.backend().name().equals("auto") && !io.ktls4j.linux.KernelTls.isAvailable();
        for (Direction d : Direction.values()) {
            BackendKind kind = c.backend(d);
            if (software) {
                assertThat(kind).isEqualTo(BackendKind.SOFTWARE);
            } else {
                assertThat(kind).isNotEqualTo(BackendKind.NONE);
            }
        }
    }

    /** Sends the pattern while reading it back from an echoing peer. */
    static void echo(KtlsConnection c, long seed) throws Exception {
        CompletableFuture<Void> writer = Traffic.async(() -> {
            Traffic.send(c, seed, Traffic.INTEROP_BYTES);
            return null;
        });
        Traffic.expect(c, seed, Traffic.INTEROP_BYTES);
        Traffic.await(writer);
    }

    /** Echoes everything read until the peer's close_notify; returns the byte count. */
    static long echoUntilCloseNotify(KtlsConnection c) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(32768);
        long total = 0;
        for (int n; (n = c.read(buf.clear())) >= 0;) {
            buf.flip();
            total += n;
            while (buf.hasRemaining()) {
                c.write(buf);
            }
        }
        assertThat(c.closeNotifyReceived()).isTrue();
        return total;
    }

    static SSLContext jsseContext(TestPki.Issued identity, TestPki pki) throws Exception {
        return jsseContext(identity, pki, null, "TLS");
    }

    /**
     * An {@link SSLContext} trusting the test CA, with {@code identity}'s key when not null; from {@code provider}
     * (the JDK's when null).
     */
    static SSLContext jsseContext(TestPki.Issued identity, TestPki pki, java.security.Provider provider,
            String protocol) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", pki.ca.cert());
        TrustManagerFactory tmf = provider == null ? TrustManagerFactory.getInstance("PKIX")
                : TrustManagerFactory.getInstance("PKIX", provider);
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (identity != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("id", identity.key(), "pw".toCharArray(),
                    new X509Certificate[] {identity.cert(), pki.ca.cert()});
            kmf = provider == null ? KeyManagerFactory.getInstance("PKIX")
                    : KeyManagerFactory.getInstance("PKIX", provider);
            kmf.init(ks, "pw".toCharArray());
        }
        SSLContext sc = provider == null ? SSLContext.getInstance(protocol)
                : SSLContext.getInstance(protocol, provider);
        sc.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return sc;
    }
}
