package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import io.ktls4j.testkit.PeerProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.tls.AlertDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Handshakes that must fail: a typed exception within the timeout, the alert the protocol prescribes sent to the peer,
 * the channel closed and every extracted secret zeroed.
 */
class HandshakeFailureTest {
    private final Closer closer = new Closer();

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    @Test
    void noCommonCipherSuite() throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext server = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem))
                .cipherSuites(TlsCipherSuite.TLS_AES_128_GCM_SHA256).build();
        KtlsContext client = KtlsContext.forClient().trustManager(pki.caPem)
                .cipherSuites(TlsCipherSuite.TLS_AES_256_GCM_SHA384).build();
        try (Loopback l = closer.add(Loopback.handshake(server, client, "localhost"))) {
            assertThat(l.server.error()).isInstanceOfSatisfying(TlsAlertException.class, e -> {
                assertThat(e.isReceived()).isFalse();
                assertThat(e.alertDescription()).isEqualTo(AlertDescription.handshake_failure);
            });
            assertThat(l.client.error()).isInstanceOfSatisfying(TlsAlertException.class, e -> {
                assertThat(e.isReceived()).isTrue();
                assertThat(e.alertDescription()).isEqualTo(AlertDescription.handshake_failure);
                assertThat(e.getMessage()).contains("handshake_failure");
            });
            assertThat(l.server.channel().isOpen()).isFalse();
            assertThat(l.client.channel().isOpen()).isFalse();
        }
    }

    @Test
    void noCommonVersion() throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext server = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).protocols("TLSv1.2")
                .build();
        KtlsContext client = KtlsContext.forClient().trustManager(pki.caPem).protocols("TLSv1.3").build();
        try (Loopback l = closer.add(Loopback.handshake(server, client, "localhost"))) {
            assertThat(l.client.error()).isInstanceOfSatisfying(TlsAlertException.class,
                    e -> assertThat(e.alertDescription()).isEqualTo(AlertDescription.protocol_version));
            assertThat(l.server.error()).isInstanceOf(TlsAlertException.class);
        }
    }

    /** The client rejects a server certificate and tells the server why (s_server prints the alert it got). */
    private void rejectedServerCertificate(TestPki.Issued cert, short expectedAlert, String opensslAlertText)
            throws Exception {
        TestPki pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = closer.add(PeerProcess.start(pki.dir, List.of("openssl", "s_server", "-accept",
                "127.0.0.1:" + port, "-naccept", "1", "-cert", cert.certPem().toString(), "-key",
                cert.keyPem().toString())));
        server.awaitOutput("ACCEPT", Duration.ofSeconds(30));
        KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem).build();
        SocketChannel ch = closer.add(SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", port)));
        assertThatThrownBy(() -> ctx.connect(ch, "localhost"))
                .isInstanceOfSatisfying(TlsAlertException.class, e -> {
                    assertThat(e.isReceived()).isFalse();
                    assertThat(e.isDuringHandshake()).isTrue();
                    assertThat(e.alertDescription()).isEqualTo(expectedAlert);
                    assertThat(e.getCause()).isInstanceOf(java.security.cert.CertificateException.class);
                });
        assertThat(ch.isOpen()).isFalse();
        server.awaitOutput(opensslAlertText, Duration.ofSeconds(30));
    }

    @Test
    void expiredServerCertificate() throws Exception {
        rejectedServerCertificate(TestPki.get().expiredServer, AlertDescription.certificate_expired,
                "alert certificate expired");
    }

    @Test
    void serverCertificateForAnotherHost() throws Exception {
        rejectedServerCertificate(TestPki.get().wrongHostServer, AlertDescription.bad_certificate,
                "alert bad certificate");
    }

    @Test
    void untrustedServerCertificate() throws Exception {
        rejectedServerCertificate(TestPki.get().untrustedServer, AlertDescription.unknown_ca, "alert unknown ca");
    }

    @Test
    void requiredClientCertificateMissingOrUntrusted() throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext server = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).trustManager(pki.caPem)
                .clientAuth(ClientAuth.REQUIRE).build();
        KtlsContext noCert = KtlsContext.forClient().trustManager(pki.caPem).build();
        try (Loopback l = closer.add(Loopback.handshake(server, noCert, "localhost"))) {
            assertThat(l.server.error()).isInstanceOfSatisfying(TlsAlertException.class,
                    e -> assertThat(e.alertDescription()).isEqualTo(AlertDescription.certificate_required));
            // TLS 1.3: the client's handshake is complete when it sends Finished; the alert comes on its first read
            assertThatThrownBy(() -> l.client.get().read(java.nio.ByteBuffer.allocate(1)))
                    .isInstanceOfSatisfying(TlsAlertException.class, e -> {
                        assertThat(e.isReceived()).isTrue();
                        assertThat(e.isDuringHandshake()).isFalse();
                        assertThat(e.alertDescription()).isEqualTo(AlertDescription.certificate_required);
                    });
            assertThat(l.client.get().isOpen()).isFalse();
        }
        KtlsContext untrusted = KtlsContext.forClient().trustManager(pki.caPem)
                .keyManager(pki.untrustedClient.loadWith(Credentials::fromPem)).build();
        try (Loopback l = closer.add(Loopback.handshake(server, untrusted, "localhost"))) {
            assertThat(l.server.error()).isInstanceOfSatisfying(TlsAlertException.class,
                    e -> assertThat(e.alertDescription()).isEqualTo(AlertDescription.unknown_ca));
            assertThatThrownBy(() -> l.client.get().read(java.nio.ByteBuffer.allocate(1)))
                    .isInstanceOfSatisfying(TlsAlertException.class,
                            e -> assertThat(e.alertDescription()).isEqualTo(AlertDescription.unknown_ca));
        }
    }

    @Test
    void wrongPsk() throws Exception {
        byte[] k1 = new byte[32];
        byte[] k2 = new byte[32];
        k2[0] = 1;
        KtlsContext server = KtlsContext.forServerWithPskOnly().externalPsk(ExternalPsk.of("node-a", k1)).build();
        KtlsContext client = KtlsContext.forClient().externalPsk(ExternalPsk.of("node-a", k2))
                .insecureTrustAllForTestingOnly().build();
        try (Loopback l = closer.add(Loopback.handshake(server, client, null))) {
            assertThat(l.server.error()).isInstanceOfSatisfying(TlsAlertException.class, e -> {
                assertThat(e.isReceived()).isFalse();
                assertThat(e.alertDescription()).isEqualTo(AlertDescription.decrypt_error);
            });
            assertThat(l.client.error()).isInstanceOfSatisfying(TlsAlertException.class,
                    e -> assertThat(e.alertDescription()).isEqualTo(AlertDescription.decrypt_error));
        }
    }

    @Test
    void peerClosesMidHandshake() throws Exception {
        try (ServerSocket raw = closer.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))) {
            CompletableFuture<Integer> peer = Traffic.async(() -> {
                try (Socket s = raw.accept()) {
                    return s.getInputStream().read(new byte[5]); // the start of the ClientHello, then close
                }
            });
            KtlsContext ctx = KtlsContext.forClient().insecureTrustAllForTestingOnly().build();
            SocketChannel ch = closer.add(SocketChannel.open(raw.getLocalSocketAddress()));
            assertThatThrownBy(() -> ctx.connect(ch, "localhost"))
                    .isInstanceOf(TlsHandshakeException.class)
                    .hasMessageContaining("closed the connection during the handshake");
            assertThat(ch.isOpen()).isFalse();
            assertThat(Traffic.await(peer)).isEqualTo(5);
        }
    }

    @Test
    void garbageInsteadOfServerHello() throws Exception {
        try (ServerSocket raw = closer.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))) {
            CompletableFuture<byte[]> peer = Traffic.async(() -> {
                try (Socket s = raw.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] header = in.readNBytes(5);
                    in.readNBytes(((header[3] & 0xff) << 8) | (header[4] & 0xff)); // the ClientHello
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    return in.readAllBytes(); // what the client answers before closing
                }
            });
            KtlsContext ctx = KtlsContext.forClient().insecureTrustAllForTestingOnly().build();
            SocketChannel ch = closer.add(SocketChannel.open(raw.getLocalSocketAddress()));
            assertThatThrownBy(() -> ctx.connect(ch, "localhost"))
                    .isInstanceOfSatisfying(TlsAlertException.class, e -> assertThat(e.isReceived()).isFalse());
            assertThat(ch.isOpen()).isFalse();
            byte[] answer = Traffic.await(peer);
            assertThat(answer).as("a fatal alert record").hasSizeGreaterThanOrEqualTo(7);
            assertThat(answer[0]).isEqualTo((byte) 21);
            assertThat(answer[5]).isEqualTo((byte) 2);
        }
    }

    @Test
    void handshakeThatNeverCompletesTimesOut() throws Exception {
        try (ServerSocket raw = closer.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))) {
            List<Socket> accepted = new ArrayList<>();
            Traffic.async(() -> accepted.add(closer.add(raw.accept()))); // accepts, then says nothing
            KtlsContext ctx = KtlsContext.forClient().insecureTrustAllForTestingOnly()
                    .handshakeTimeout(Duration.ofMillis(700)).build();
            SocketChannel ch = closer.add(SocketChannel.open(raw.getLocalSocketAddress()));
            long start = System.nanoTime();
            assertThatThrownBy(() -> ctx.connect(ch, "localhost")).isInstanceOf(TlsHandshakeTimeoutException.class)
                    .hasMessageContaining("700 ms");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(ms).isBetween(600L, 5_000L);
            assertThat(ch.isOpen()).isFalse();
        }
    }

    @Test
    void installedKeysAreZeroedAfterTheHandoff() throws Exception {
        TestPki pki = TestPki.get();
        RecordingBackend serverBackend = new RecordingBackend();
        RecordingBackend clientBackend = new RecordingBackend();
        KtlsContext server = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).backend(serverBackend)
                .build();
        KtlsContext client = KtlsContext.forClient().trustManager(pki.caPem).backend(clientBackend).build();
        try (Loopback l = closer.add(Loopback.handshake(server, client, "localhost"))) {
            l.client.get().keyUpdate(true);
            l.client.get().write(java.nio.ByteBuffer.wrap(new byte[] {1}));
            assertThat(l.server.get().read(java.nio.ByteBuffer.allocate(1))).isEqualTo(1);
            assertThat(clientBackend.installed).hasSize(3); // TX, RX, TX generation 1
            assertThat(serverBackend.installed).hasSize(4); // TX, RX, RX generation 1, TX generation 1
            for (CryptoInfo info : concat(clientBackend.installed, serverBackend.installed)) {
                assertThat(info.isDestroyed()).isTrue();
                assertThat(info.isZeroed()).isTrue();
            }
        }
    }

    @Test
    void installFailureClosesEverythingAndZeroesTheKeys() throws Exception {
        TestPki pki = TestPki.get();
        RecordingBackend failing = new RecordingBackend((dir, info, n) -> dir == Direction.RX
                ? new KernelFeatureException(Errno.ENOPROTOOPT, "TLS_RX for " + info.cipher(), "4.17", "test")
                : null);
        KtlsContext server = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).build();
        KtlsContext client = KtlsContext.forClient().trustManager(pki.caPem).backend(failing).build();
        try (Loopback l = closer.add(Loopback.handshake(server, client, "localhost"))) {
            assertThat(l.client.error()).isInstanceOf(KernelFeatureException.class).hasMessageContaining("4.17");
            assertThat(l.client.channel().isOpen()).isFalse();
            assertThat(failing.installed).hasSize(2);
            for (CryptoInfo info : failing.installed) {
                assertThat(info.isZeroed()).isTrue();
            }
        }
    }

    private static List<CryptoInfo> concat(List<CryptoInfo> a, List<CryptoInfo> b) {
        List<CryptoInfo> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
