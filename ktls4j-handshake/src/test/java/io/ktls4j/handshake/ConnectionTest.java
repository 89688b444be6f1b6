package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.tls.AlertDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ktls4j on both ends of a loopback connection: the post-handshake protocol and the session object. */
class ConnectionTest {
    private final Closer closer = new Closer();

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    private Loopback pair(KtlsContextBuilder server, KtlsContextBuilder client) throws Exception {
        return closer.add(Loopback.handshake(server.build(), client.build(), "localhost"));
    }

    private static KtlsContextBuilder server() throws Exception {
        return KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem));
    }

    private static KtlsContextBuilder client() throws Exception {
        return KtlsContext.forClient().trustManager(TestPki.get().caPem);
    }

    private static void write(KtlsConnection c, String s) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static String read(KtlsConnection c, int n) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                break;
            }
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    @Test
    void sessionInfoOnBothEnds() throws Exception {
        Loopback l = pair(server().applicationProtocols("h2", "http/1.1"),
                client().applicationProtocols("http/1.1"));
        KtlsConnection s = l.server.get();
        KtlsConnection c = l.client.get();
        for (KtlsConnection x : new KtlsConnection[] {s, c}) {
            assertThat(x.version()).isEqualTo(TlsVersion.TLS_1_3);
            assertThat(x.cipherSuite()).isEqualTo(TlsCipherSuite.TLS_AES_128_GCM_SHA256);
            assertThat(x.applicationProtocol()).isEqualTo("http/1.1");
            assertThat(x.session().serverName()).isEqualTo("localhost");
        }
        assertThat(c.peerCertificates()).first().isEqualTo(TestPki.get().ecServer.cert());
        assertThat(s.peerCertificates()).isEmpty();
        assertThat(s.session().localCertificates()).first().isEqualTo(TestPki.get().ecServer.cert());
        assertThat(c.toString()).contains("TLSv1.3").contains("SOFTWARE");
    }

    @Test
    void alpnWithoutOverlapIsRefused() throws Exception {
        Loopback l = pair(server().applicationProtocols("h2"), client().applicationProtocols("http/1.1"));
        assertThat(l.server.error()).isInstanceOfSatisfying(TlsAlertException.class,
                e -> assertThat(e.alertDescription()).isEqualTo(AlertDescription.no_application_protocol));
        assertThat(l.client.error()).isInstanceOfSatisfying(TlsAlertException.class,
                e -> assertThat(e.isReceived()).isTrue());
    }

    @Test
    void externalPskWithoutCertificates() throws Exception {
        byte[] key = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        KtlsContext server = KtlsContext.forServerWithPskOnly().externalPsk(ExternalPsk.of("nvme-host-1", key)).build();
        KtlsContext client = KtlsContext.forClient().externalPsk(ExternalPsk.of("nvme-host-1", key))
                .hostnameVerification(false).build();
        Loopback l = closer.add(Loopback.handshake(server, client, null));
        assertThat(new String(l.server.get().session().pskIdentity(), StandardCharsets.US_ASCII))
                .isEqualTo("nvme-host-1");
        assertThat(l.client.get().session().pskIdentity()).isNotNull();
        assertThat(l.client.get().peerCertificates()).isEmpty();
        write(l.client.get(), "over psk");
        assertThat(read(l.server.get(), 8)).isEqualTo("over psk");
    }

    @Test
    void tls13HalfClose() throws Exception {
        Loopback l = pair(server(), client());
        KtlsConnection s = l.server.get();
        KtlsConnection c = l.client.get();
        write(c, "request");
        c.shutdownOutput();
        assertThat(read(s, 7)).isEqualTo("request");
        assertThat(s.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        assertThat(s.closeNotifyReceived()).isTrue();
        write(s, "response after the client's close_notify");
        s.close();
        assertThat(read(c, 100)).isEqualTo("response after the client's close_notify");
        assertThat(c.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        assertThatThrownBy(() -> write(c, "x")).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void tls12CloseNotifyIsAnsweredAndEndsWriting() throws Exception {
        Loopback l = pair(server().protocols("TLSv1.2"), client().protocols("TLSv1.2"));
        KtlsConnection s = l.server.get();
        KtlsConnection c = l.client.get();
        assertThat(c.version()).isEqualTo(TlsVersion.TLS_1_2);
        c.shutdownOutput();
        assertThat(s.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        assertThatThrownBy(() -> write(s, "too late")).isInstanceOf(ClosedChannelException.class);
        assertThat(c.read(ByteBuffer.allocate(1))).as("the server answered with close_notify").isEqualTo(-1);
        assertThatThrownBy(() -> c.keyUpdate(false)).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void endOfStreamWithoutCloseNotifyIsTruncation() throws Exception {
        Loopback l = pair(server(), client());
        write(l.server.get(), "partial");
        l.server.get().socketChannel().close(); // TCP FIN without close_notify
        KtlsConnection c = l.client.get();
        assertThat(read(c, 7)).isEqualTo("partial");
        assertThatThrownBy(() -> c.read(ByteBuffer.allocate(1))).isInstanceOf(TlsTruncationException.class);
        assertThat(c.isOpen()).isFalse();
    }

    @Test
    void fatalAlertFromThePeerIsTyped() throws Exception {
        Loopback l = pair(server(), client());
        l.server.get().recordLayer().sendControl(RecordType.ALERT, ByteBuffer.wrap(new byte[] {2, 80}));
        assertThatThrownBy(() -> l.client.get().read(ByteBuffer.allocate(1)))
                .isInstanceOfSatisfying(TlsAlertException.class, e -> {
                    assertThat(e.isReceived()).isTrue();
                    assertThat(e.alertDescription()).isEqualTo(AlertDescription.internal_error);
                    assertThat(e.alertName()).isEqualTo("internal_error");
                });
        assertThat(l.client.get().isOpen()).isFalse();
        assertThatThrownBy(() -> l.client.get().read(ByteBuffer.allocate(1))).isInstanceOf(TlsAlertException.class);
    }

    @Test
    void unexpectedRecordIsAnsweredWithAnAlert() throws Exception {
        Loopback l = pair(server(), client());
        l.server.get().recordLayer().sendControl(new RecordType(100), ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThatThrownBy(() -> l.client.get().read(ByteBuffer.allocate(1)))
                .isInstanceOfSatisfying(TlsAlertException.class, e -> {
                    assertThat(e.isReceived()).isFalse();
                    assertThat(e.alertDescription()).isEqualTo(AlertDescription.unexpected_message);
                });
        assertThatThrownBy(() -> l.server.get().read(ByteBuffer.allocate(1)))
                .isInstanceOfSatisfying(TlsAlertException.class, e -> {
                    assertThat(e.isReceived()).isTrue();
                    assertThat(e.alertDescription()).isEqualTo(AlertDescription.unexpected_message);
                });
    }

    @Test
    void keyUpdatesInBothDirectionsKeepTheStreamIntact() throws Exception {
        Loopback l = pair(server().cipherSuites(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256), client());
        KtlsConnection s = l.server.get();
        KtlsConnection c = l.client.get();
        CompletableFuture<Void> echo = Traffic.async(() -> {
            JsseInteropTest.echoUntilCloseNotify(s);
            return null;
        });
        for (int i = 0; i < 20; i++) {
            c.keyUpdate(i % 2 == 0); // every other one asks the server to update too
            write(c, "generation " + i + ";");
            assertThat(read(c, ("generation " + i + ";").length())).isEqualTo("generation " + i + ";");
        }
        assertThat(c.keyUpdatesSent()).isEqualTo(20);
        assertThat(s.keyUpdatesReceived()).isEqualTo(20);
        assertThat(s.keyUpdatesSent()).isEqualTo(10);
        assertThat(c.keyUpdatesReceived()).isEqualTo(10);
        c.shutdownOutput();
        Traffic.await(echo);
    }

    /** A record layer that cannot rekey (a kernel before 6.14): both kinds of KeyUpdate end in a clear error. */
    @Test
    void keyUpdateOnARecordLayerWithoutRekey() throws Exception {
        RecordingBackend.InstallFault noRekey = (dir, info, n) -> n > 2 ? new io.ktls4j.KernelFeatureException(
                io.ktls4j.Errno.EBUSY, "TLS 1.3 rekey (" + dir + " on an installed socket)", "6.14", null) : null;
        Loopback ours = pair(server(), client().backend(new RecordingBackend(noRekey)));
        assertThatThrownBy(() -> ours.client.get().keyUpdate(false))
                .isInstanceOf(io.ktls4j.KernelFeatureException.class)
                .hasMessageContaining("Linux 6.14").hasMessageContaining("sending a TLS 1.3 KeyUpdate");
        assertThat(ours.client.get().isOpen()).isFalse();

        Loopback theirs = pair(server(), client().backend(new RecordingBackend(noRekey)));
        theirs.server.get().keyUpdate(false);
        write(theirs.server.get(), "after the update");
        assertThatThrownBy(() -> theirs.client.get().read(ByteBuffer.allocate(16)))
                .isInstanceOfSatisfying(io.ktls4j.KernelFeatureException.class, e -> {
                    assertThat(e.sinceVersion()).isEqualTo("6.14");
                    assertThat(e.getMessage()).contains("the peer sent a TLS 1.3 KeyUpdate");
                });
        assertThat(theirs.client.get().isOpen()).isFalse();
    }

    @Test
    void ipAddressHostsAreVerifiedWithoutSni() throws Exception {
        Loopback l = closer.add(Loopback.handshake(server().build(), client().build(), "127.0.0.1"));
        assertThat(l.client.get().session().serverName()).isNull();
        assertThat(l.server.get().session().serverName()).isNull();
        Loopback wrong = closer.add(Loopback.handshake(server().build(), client().build(), "127.0.0.2"));
        assertThat(wrong.client.error()).isInstanceOfSatisfying(TlsAlertException.class,
                e -> assertThat(e.alertDescription()).isEqualTo(AlertDescription.bad_certificate));
    }

    /** Both ends write and read at once (separate threads) while both keep asking each other for KeyUpdates. */
    @Test
    void fullDuplexTrafficWithConcurrentKeyUpdates() throws Exception {
        Loopback l = pair(server(), client());
        KtlsConnection s = l.server.get();
        KtlsConnection c = l.client.get();
        long n = 2 * Traffic.INTEROP_BYTES;
        java.util.List<CompletableFuture<Void>> tasks = new java.util.ArrayList<>();
        for (KtlsConnection[] ends : new KtlsConnection[][] {{c, s}, {s, c}}) {
            KtlsConnection from = ends[0];
            KtlsConnection to = ends[1];
            long seed = from == c ? 61 : 62;
            tasks.add(Traffic.async(() -> {
                Traffic.send(from, seed, n);
                return null;
            }));
            tasks.add(Traffic.async(() -> {
                Traffic.expect(to, seed, n);
                return null;
            }));
            tasks.add(Traffic.async(() -> {
                for (int i = 0; i < 25; i++) {
                    from.keyUpdate(true);
                    Thread.sleep(5);
                }
                return null;
            }));
        }
        for (CompletableFuture<Void> t : tasks) {
            Traffic.await(t, c, () -> "client " + c + " server " + s);
        }
        // one byte each way, and once more: every KeyUpdate (and every answer owed) is read before counting
        for (KtlsConnection[] ends : new KtlsConnection[][] {{c, s}, {s, c}, {c, s}}) {
            write(ends[0], "!");
            assertThat(read(ends[1], 1)).isEqualTo("!");
        }
        assertThat(c.keyUpdatesSent()).isGreaterThanOrEqualTo(25);
        assertThat(s.keyUpdatesReceived()).isEqualTo(c.keyUpdatesSent());
        assertThat(c.keyUpdatesReceived()).isEqualTo(s.keyUpdatesSent());
    }

    @Test
    void keyUpdateIsTls13Only() throws Exception {
        Loopback l = pair(server().protocols("TLSv1.2"), client());
        assertThatThrownBy(() -> l.client.get().keyUpdate(false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TLS 1.3");
    }

    @Test
    void optionalClientAuthAcceptsClientsWithAndWithoutCertificates() throws Exception {
        TestPki pki = TestPki.get();
        KtlsContextBuilder srv = server().trustManager(pki.caPem).clientAuth(ClientAuth.OPTIONAL);
        Loopback without = pair(srv, client());
        assertThat(without.server.get().peerCertificates()).isEmpty();
        Loopback with = pair(srv, client().keyManager(pki.client.loadWith(Credentials::fromPem)));
        assertThat(with.server.get().peerCertificates()).first().isEqualTo(pki.client.cert());
        write(with.client.get(), "mtls");
        assertThat(read(with.server.get(), 4)).isEqualTo("mtls");
    }
}
