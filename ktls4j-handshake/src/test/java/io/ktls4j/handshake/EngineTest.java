package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.CryptoInfo;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.spi.EstablishedKeys;
import io.ktls4j.handshake.spi.HandshakeEngine;
import io.ktls4j.handshake.spi.Handshakes;
import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** {@link HandshakeEngine}: a client and a server engine in one thread, bytes moved between them, no socket. */
class EngineTest {

    private static KtlsContext server(TlsVersion v) throws Exception {
        return KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem)).protocols(v).build();
    }

    private static KtlsContext client(TlsVersion v) throws Exception {
        return KtlsContext.forClient().trustManager(TestPki.get().caPem).protocols(v).build();
    }

    /** Moves every output byte of {@code from} into {@code to}'s input buffer. */
    private static void pump(HandshakeEngine from, ByteBuffer wire) {
        ByteBuffer chunk = ByteBuffer.allocate(from.outputBytes());
        from.readOutput(chunk);
        wire.compact().put(chunk.flip()).flip();
    }

    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void twoEnginesAgreeOnTheKeysAndLeaveLaterBytesInTheBuffer(TlsVersion v) throws Exception {
        try (HandshakeEngine c = Handshakes.newEngine(client(v), "localhost");
             HandshakeEngine s = Handshakes.newEngine(server(v), null)) {
            ByteBuffer toServer = ByteBuffer.allocate(1 << 16).flip();
            ByteBuffer toClient = ByteBuffer.allocate(1 << 16).flip();
            c.start();
            s.start();
            for (int round = 0; round < 10 && !(c.isComplete() && s.isComplete()); round++) {
                pump(c, toServer);
                if (!s.isComplete()) {
                    s.offer(toServer);
                }
                pump(s, toClient);
                if (!c.isComplete()) {
                    c.offer(toClient);
                }
            }
            assertThat(c.isComplete()).isTrue();
            assertThat(s.isComplete()).isTrue();
            pump(c, toServer); // a TLS 1.2 client's last flight, or nothing
            if (toServer.hasRemaining()) {
                assertThat(s.offer(toServer)).isZero(); // complete: an engine takes no byte past its handshake
            }
            assertThat(c.bytesWanted()).isZero();
            assertThat(c.session().version()).isEqualTo(v);
            assertThat(s.session().cipherSuite()).isEqualTo(c.session().cipherSuite());
            // bytes after the handshake stay where they are
            toClient.compact().put(new byte[] {23, 3, 3, 0, 1, 42}).flip();
            int before = toClient.remaining();
            assertThat(c.offer(toClient)).isZero();
            assertThat(toClient.remaining()).isEqualTo(before);
            EstablishedKeys ck = c.takeKeys();
            EstablishedKeys sk = s.takeKeys();
            try {
                assertThat(bytes(ck.tx())).isEqualTo(bytes(sk.rx()));
                assertThat(bytes(ck.rx())).isEqualTo(bytes(sk.tx()));
                assertThat(ck.takeSecrets().isPresent()).isEqualTo(v == TlsVersion.TLS_1_3);
                assertThat(ck.takeSecrets()).as("taken once").isEmpty();
                assertThatThrownBy(c::takeKeys).isInstanceOf(IllegalStateException.class);
            } finally {
                ck.destroy();
                sk.destroy();
            }
            assertThat(ck.tx().isDestroyed()).isTrue();
        }
    }

    @Test
    void garbageInsteadOfAClientHelloIsATypedFailureWithAnAlertToSend() throws Exception {
        try (HandshakeEngine s = Handshakes.newEngine(server(TlsVersion.TLS_1_3), null)) {
            ByteBuffer garbage = ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes());
            assertThatThrownBy(() -> s.offer(garbage)).isInstanceOfSatisfying(TlsAlertException.class, e -> {
                // BouncyCastle sends no alert to bytes that are not TLS: the exception must not claim it did
                assertThat(e.isSent()).isEqualTo(s.outputBytes() > 0);
                assertThat(e.getMessage()).contains(e.isSent() ? "sent fatal alert" : "no alert sent");
            });
            assertThat(s.bytesWanted()).isZero();
            assertThatThrownBy(() -> s.offer(ByteBuffer.allocate(1))).isInstanceOf(TlsAlertException.class);
        }
    }

    private static byte[] bytes(CryptoInfo info) {
        return info.toBytes();
    }
}
