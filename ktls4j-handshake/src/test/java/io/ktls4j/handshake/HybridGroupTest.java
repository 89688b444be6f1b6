package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.TlsVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Post-quantum hybrid key exchange: X25519MLKEM768 and SecP256r1MLKEM768 between ktls4j ends and against
 * BouncyCastle's JSSE provider (BCJSSE) as an independent implementation, and the fallback to X25519 with peers
 * that have no hybrid (OpenSSL 3.0, curl, GnuTLS 3.7, the JDK's JSSE): by the client's second key share, or by a
 * HelloRetryRequest.
 */
class HybridGroupTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final Closer closer = new Closer();

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    private static KtlsContextBuilder server() throws Exception {
        return KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem));
    }

    private static KtlsContextBuilder client() throws Exception {
        return KtlsContext.forClient().trustManager(TestPki.get().caPem);
    }

    private static TlsGroup[] both(Loopback l) throws Exception {
        return new TlsGroup[] {l.client.get().session().group(), l.server.get().session().group()};
    }

    @Test
    void x25519Mlkem768IsTheDefault() throws Exception {
        assertThat(client().build().groups()).startsWith(TlsGroup.X25519_MLKEM768, TlsGroup.X25519);
        try (Loopback l = Loopback.handshake(server().build(), client().build(), "localhost")) {
            assertThat(both(l)).containsExactly(TlsGroup.X25519_MLKEM768, TlsGroup.X25519_MLKEM768);
            l.server.get().write(ByteBuffer.wrap("pq\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer b = ByteBuffer.allocate(8);
            while (b.position() < 3) {
                assertThat(l.client.get().read(b)).isNotNegative();
            }
        }
    }

    @Test
    void secp256r1Mlkem768BothWays() throws Exception {
        try (Loopback l = Loopback.handshake(server().groups("SecP256r1MLKEM768").build(),
                client().groups("SecP256r1MLKEM768", "X25519").build(), "localhost")) {
            assertThat(both(l)).containsExactly(TlsGroup.SECP256R1_MLKEM768, TlsGroup.SECP256R1_MLKEM768);
        }
    }

    @Test
    void aServerWithoutTheHybridTakesTheClientsSecondKeyShare() throws Exception {
        try (Loopback l = Loopback.handshake(server().groups("X25519", "P-256").build(), client().build(),
                "localhost")) {
            assertThat(both(l)).containsExactly(TlsGroup.X25519, TlsGroup.X25519);
        }
    }

    @Test
    void aServerWantingAnotherGroupAsksWithHelloRetryRequest() throws Exception {
        try (Loopback l = Loopback.handshake(server().groups("P-384").build(), client().build(), "localhost")) {
            assertThat(both(l)).containsExactly(TlsGroup.P_384, TlsGroup.P_384);
        }
    }

    @Test
    void theServerPrefersTheHybridOverTheClientsOrder() throws Exception {
        try (Loopback l = Loopback.handshake(server().build(),
                client().groups("X25519", "X25519MLKEM768").build(), "localhost")) {
            assertThat(both(l)).as("HelloRetryRequest to the server's preference")
                    .containsExactly(TlsGroup.X25519_MLKEM768, TlsGroup.X25519_MLKEM768);
        }
    }

    @Test
    void tls12NegotiatesAClassicalGroup() throws Exception {
        try (Loopback l = Loopback.handshake(server().build(), client().protocols(TlsVersion.TLS_1_2).build(),
                "localhost")) {
            assertThat(both(l)).containsExactly(TlsGroup.X25519, TlsGroup.X25519);
        }
    }

    @Test
    void groupNames() {
        assertThat(TlsGroup.of("x25519mlkem768")).isEqualTo(TlsGroup.X25519_MLKEM768);
        assertThat(TlsGroup.of("SecP256r1MLKEM768")).isEqualTo(TlsGroup.SECP256R1_MLKEM768);
        assertThat(TlsGroup.X25519_MLKEM768.id()).isEqualTo(0x11EC);
        assertThat(TlsGroup.SECP256R1_MLKEM768.id()).isEqualTo(0x11EB);
        assertThat(TlsGroup.X25519_MLKEM768.isHybrid()).isTrue();
        assertThat(TlsGroup.X25519.isHybrid()).isFalse();
    }

    // --- BouncyCastle's JSSE provider as the other end ---

    private static SSLContext bcjsse(TestPki.Issued identity) throws Exception {
        return JsseInteropTest.jsseContext(identity, TestPki.get(),
                new BouncyCastleJsseProvider(new BouncyCastleProvider()), "TLSv1.3");
    }

    private static void tls13Only(SSLSocket s) {
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
    }

    @Test
    void ktls4jClientWithBcjsseServer() throws Exception {
        SSLServerSocket ss = closer.add((SSLServerSocket) bcjsse(TestPki.get().ecServer).getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        CompletableFuture<String> server = CompletableFuture.supplyAsync(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                tls13Only(s);
                s.startHandshake();
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.getInputStream().readNBytes(2);
                return s.getSession().getProtocol();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (KtlsConnection c = client().build().connect("localhost", ss.getLocalPort())) {
            ByteBuffer b = ByteBuffer.allocate(16);
            while (b.position() < 6) {
                assertThat(c.read(b)).isNotNegative();
            }
            c.write(ByteBuffer.wrap("x\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(c.session().group()).isEqualTo(TlsGroup.X25519_MLKEM768);
        }
        assertThat(server.get(30, TimeUnit.SECONDS)).isEqualTo("TLSv1.3");
    }

    @Test
    void bcjsseClientWithKtls4jServer() throws Exception {
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        KtlsContext ctx = server().build();
        CompletableFuture<TlsGroup> served = CompletableFuture.supplyAsync(() -> {
            try (KtlsConnection c = ctx.accept(listener.accept())) {
                c.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
                c.read(ByteBuffer.allocate(8));
                return c.session().group();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (SSLSocket s = (SSLSocket) bcjsse(null).getSocketFactory().createSocket("localhost",
                listener.socket().getLocalPort())) {
            tls13Only(s);
            assertThat(new String(s.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
            s.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        assertThat(served.get(30, TimeUnit.SECONDS)).isEqualTo(TlsGroup.X25519_MLKEM768);
    }

    // --- fallback to X25519 with peers that have no hybrid ---

    @Test
    void fallbackWithOpensslServerAndClient() throws Exception {
        Tools.require("openssl");
        TestPki pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess sServer = closer.add(PeerProcess.start(pki.dir, List.of("openssl", "s_server", "-accept",
                "127.0.0.1:" + port, "-naccept", "1", "-cert", pki.ecServer.certPem().toString(), "-key",
                pki.ecServer.keyPem().toString(), "-tls1_3")));
        sServer.awaitOutput("ACCEPT", WAIT);
        try (KtlsConnection c = client().build().connect("localhost", port)) {
            assertThat(c.session().group()).isEqualTo(TlsGroup.X25519);
        }

        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        CompletableFuture<TlsGroup> served = acceptOne(listener, server().build());
        PeerProcess sClient = closer.add(PeerProcess.start(pki.dir, List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + listener.socket().getLocalPort(), "-CAfile", pki.caPem.toString(), "-tls1_3")));
        assertThat(served.get(30, TimeUnit.SECONDS)).isEqualTo(TlsGroup.X25519);
        sClient.awaitOutput("Server Temp Key: X25519", WAIT);
    }

    @Test
    void fallbackWithJsseServerAndClient() throws Exception {
        TestPki pki = TestPki.get();
        SSLServerSocket ss = closer.add((SSLServerSocket) JsseInteropTest.jsseContext(pki.ecServer, pki)
                .getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        CompletableFuture<Void> jsseServer = CompletableFuture.runAsync(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.startHandshake();
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (KtlsConnection c = client().build().connect("localhost", ss.getLocalPort())) {
            c.read(ByteBuffer.allocate(8));
            assertThat(c.session().group()).isEqualTo(TlsGroup.X25519);
        }
        jsseServer.get(30, TimeUnit.SECONDS);

        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        CompletableFuture<TlsGroup> served = acceptOne(listener, server().build());
        try (SSLSocket s = (SSLSocket) JsseInteropTest.jsseContext(null, pki).getSocketFactory()
                .createSocket("localhost", listener.socket().getLocalPort())) {
            s.getInputStream().readNBytes(6);
        }
        assertThat(served.get(30, TimeUnit.SECONDS)).isEqualTo(TlsGroup.X25519);
    }

    @Test
    void fallbackWithCurl() throws Exception {
        Tools.require("curl");
        TestPki pki = TestPki.get();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        CompletableFuture<TlsGroup> served = acceptOne(listener, server().build());
        PeerProcess curl = closer.add(PeerProcess.start(pki.dir, List.of("curl", "--silent", "--max-time", "20",
                "--cacert", pki.caPem.toString(), "https://localhost:" + listener.socket().getLocalPort() + "/")));
        assertThat(served.get(30, TimeUnit.SECONDS)).isEqualTo(TlsGroup.X25519);
        curl.waitFor(WAIT);
    }

    @Test
    void fallbackWithGnutls() throws Exception {
        Tools.require("gnutls-cli");
        TestPki pki = TestPki.get();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        CompletableFuture<TlsGroup> served = acceptOne(listener, server().build());
        PeerProcess cli = closer.add(PeerProcess.start(pki.dir, List.of("gnutls-cli", "--x509cafile",
                pki.caPem.toString(), "-p", String.valueOf(listener.socket().getLocalPort()), "localhost")));
        assertThat(served.get(30, TimeUnit.SECONDS)).isEqualTo(TlsGroup.X25519);
        cli.awaitOutput("hello", WAIT);
    }

    /** Accepts one connection, greets it, and returns the group negotiated. */
    private static CompletableFuture<TlsGroup> acceptOne(ServerSocketChannel listener, KtlsContext ctx) {
        return CompletableFuture.supplyAsync(() -> {
            try (KtlsConnection c = ctx.accept(listener.accept())) {
                c.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
                return c.session().group();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

}
