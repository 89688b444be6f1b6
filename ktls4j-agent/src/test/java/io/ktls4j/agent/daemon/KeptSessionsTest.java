package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.agent.AgentClient;
import io.ktls4j.agent.AgentException;
import io.ktls4j.agent.AgentFixture;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.ClientTestAccess;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.RawClient;
import io.ktls4j.agent.SocketState;
import io.ktls4j.agent.TestPki;
import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.agent.wire.HandshakeReply;
import io.ktls4j.agent.wire.HandshakeRequestFrame;
import io.ktls4j.agent.wire.SessionReply;
import io.ktls4j.agent.wire.SessionRequest;
import io.ktls4j.agent.wire.Wire;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.fd.RawDescriptors;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sessions the agent keeps for KeyUpdates (protocol version 2), through the real daemon and its wire protocol:
 * the handle only in version 2, the checks an operation passes first (handle, connection, descriptors, frame), and
 * the lifetime: RELEASE, the consumer's connection closing, the idle limit, the bound on their number. On this host
 * (no kTLS) the agent returns the keys (allow-software-return), so no kernel is needed.
 */
class KeptSessionsTest {
    private static AgentFixture fixture;

    @BeforeAll
    static void agent() throws Exception {
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS: the agent installs keys there");
        fixture = AgentFixture.withSoftwareReturn("max-sessions = 3");
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void theHandleComesOnlyInVersion2AndTheSessionEndsWithItsConnection() throws Exception {
        assertThat(fixture.agent().protocolVersion()).as("PONG announces version 2").isEqualTo(2);
        try (JssePeer peer = new JssePeer(); SocketChannel ch = SocketChannel.open(peer.address());
             RawSession v1 = RawSession.open(fixture, ch, 1)) {
            assertThat(v1.reply.status()).as(v1.reply.toString()).isEqualTo(AgentStatus.OK);
            assertThat(v1.reply.sessionHandle()).isNull();
            assertThatThrownBy(v1::readFrame).as("a version-1 exchange ends with the reply")
                    .isInstanceOf(EOFException.class);
        }
        int before = fixture.daemon.keptSessions();
        try (JssePeer peer = new JssePeer(); SocketChannel ch = SocketChannel.open(peer.address())) {
            RawSession v2 = RawSession.open(fixture, ch, 2);
            assertThat(v2.reply.status()).as(v2.reply.toString()).isEqualTo(AgentStatus.OK);
            assertThat(v2.reply.sessionHandle()).hasSize(16);
            assertThat(fixture.daemon.keptSessions()).isEqualTo(before + 1);
            KeptSession kept = find(v2.reply.sessionHandle());
            v2.close(); // the consumer goes away without RELEASE
            fixture.awaitLog("#" + kept.id + " " + kept + " released: the consumer closed its connection", 5000);
            assertThat(kept.secretsDestroyed()).isTrue();
            assertThat(fixture.daemon.keptSessions()).isEqualTo(before);
        }
    }

    @Test
    void anOperationIsCheckedBeforeItTouchesAnything() throws Exception {
        try (JssePeer peer = new JssePeer(); SocketChannel ch = SocketChannel.open(peer.address());
             RawSession s = RawSession.open(fixture, ch, 2)) {
            byte[] handle = s.reply.sessionHandle();
            KeptSession kept = find(handle);
            int fd = RawDescriptors.of(ch);
            byte[] other = handle.clone();
            other[0] ^= 1;
            assertThat(s.exchange(SessionRequest.keyUpdateTx(other, false, 0).encode(), fd).status())
                    .isEqualTo(AgentStatus.UNKNOWN_SESSION);
            assertThat(s.exchange(SessionRequest.keyUpdateTx(handle, false, 0).encode()).status())
                    .as("no descriptor").isEqualTo(AgentStatus.BAD_DESCRIPTOR);
            assertThat(s.exchange(SessionRequest.release(handle).encode(), fd).status())
                    .as("a descriptor where none belongs").isEqualTo(AgentStatus.BAD_DESCRIPTOR);
            byte[] v1 = SessionRequest.keyUpdateTx(handle, false, 0).encode();
            v1[2] = 1;
            assertThat(s.exchange(v1, fd).status()).as("operations are version 2").isEqualTo(AgentStatus.BAD_REQUEST);
            assertThat(s.exchange(RawClient.frame(2, Wire.TYPE_KEY_UPDATE_TX, new byte[0]), fd).message())
                    .contains("SESSION_HANDLE");
            // the same handle on another connection is nobody's session
            HandshakeReply elsewhere = RawClient.exchange(fixture.socket(),
                    SessionRequest.keyUpdateTx(handle, false, 0).encode(), fd);
            assertThat(elsewhere.status()).isEqualTo(AgentStatus.BAD_REQUEST);
            assertThat(elsewhere.message()).contains("without a kept session");

            assertThat(kept.generation(Direction.TX)).as("none of that changed a key").isZero();
            SessionReply ok = s.exchange(SessionRequest.keyUpdateTx(handle, true, 0).encode(), fd);
            assertThat(ok.status()).as(ok.toString()).isEqualTo(AgentStatus.OK);
            assertThat(ok.txGeneration()).isEqualTo(1);
            assertThat(ok.nextKey(Direction.TX)).as("a software TX gets its next key").isNotNull();
            ok.destroy();

            SessionReply released = s.exchange(SessionRequest.release(handle).encode());
            assertThat(released.status()).isEqualTo(AgentStatus.OK);
            assertThatThrownBy(s::readFrame).isInstanceOf(EOFException.class);
            fixture.awaitLog(kept + " released: RELEASE", 5000);
            assertThat(kept.secretsDestroyed()).isTrue();
        }
    }

    @Test
    void theNumberOfKeptSessionsIsBounded() throws Exception {
        try (AgentFixture small = AgentFixture.withSoftwareReturn("max-sessions = 1");
             JssePeer peer1 = new JssePeer(); JssePeer peer2 = new JssePeer();
             SocketChannel ch1 = SocketChannel.open(peer1.address());
             SocketChannel ch2 = SocketChannel.open(peer2.address())) {
            AgentClient agent = small.agent();
            KtlsConnection first = agent.handshake(ch1, HandshakeRequest.client("localhost").build());
            assertThat(small.daemon.keptSessions()).isEqualTo(1);
            assertThatThrownBy(() -> agent.handshake(ch2, HandshakeRequest.client("localhost").build()))
                    .isInstanceOfSatisfying(AgentException.class, e -> {
                        assertThat(e.status()).isEqualTo(AgentStatus.BUSY);
                        assertThat(e.socketState()).isEqualTo(SocketState.UNTOUCHED);
                    })
                    .hasMessageContaining("max-sessions");
            assertThat(ch2.isOpen()).isTrue();
            first.close(); // RELEASE
            small.awaitLog("released: RELEASE", 5000);
            try (KtlsConnection second = agent.handshake(ch2, HandshakeRequest.client("localhost").build())) {
                assertThat(second.version()).isEqualTo(TlsVersion.TLS_1_3);
                assertThat(small.daemon.keptSessions()).isEqualTo(1);
            }
        }
    }

    @Test
    void anIdleSessionIsReleasedAndTheConsumerIsToldWhy() throws Exception {
        try (AgentFixture idle = AgentFixture.withSoftwareReturn("session-idle-ms = 300");
             JssePeer peer = new JssePeer(); SocketChannel ch = SocketChannel.open(peer.address());
             KtlsConnection c = idle.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
            KeptSession kept = idle.daemon.sessions().sessions().getFirst();
            String line = idle.awaitLog("released: idle for", 5000);
            assertThat(line).contains("session-idle-ms 300");
            assertThat(kept.secretsDestroyed()).isTrue();
            assertThatThrownBy(() -> c.keyUpdate(false)).isInstanceOfSatisfying(AgentException.class,
                    e -> assertThat(e.status()).isEqualTo(AgentStatus.UNKNOWN_SESSION))
                    .hasMessageContaining("session-idle-ms");
        }
    }

    @Test
    void withoutAKeptSessionAKeyUpdateFailsClearly() throws Exception {
        try (JssePeer peer = new JssePeer(); SocketChannel ch = SocketChannel.open(peer.address());
             KtlsConnection c = ClientTestAccess.speaking(fixture.agent(), 1).handshake(ch,
                     HandshakeRequest.client("localhost").build())) {
            assertThatThrownBy(() -> c.keyUpdate(false)).isInstanceOfSatisfying(AgentException.class,
                    e -> assertThat(e.status()).isEqualTo(AgentStatus.UNKNOWN_SESSION))
                    .hasMessageContaining("protocol version 1, which keeps no session");
        }
    }

    private static KeptSession find(byte[] handle) {
        List<KeptSession> all = fixture.daemon.sessions().sessions();
        return all.stream().filter(s -> s.isHandle(handle)).findFirst()
                .orElseThrow(() -> new AssertionError("no kept session with that handle among " + all));
    }

    /** A v2 (or v1) handshake by hand: the Unix connection stays with the test. */
    static final class RawSession implements AutoCloseable {
        final FrameStream unix;
        final HandshakeReply reply;

        private RawSession(FrameStream unix, HandshakeReply reply) {
            this.unix = unix;
            this.reply = reply;
        }

        static RawSession open(AgentFixture f, SocketChannel ch, int version) throws Exception {
            FrameStream u = FrameStream.connect(f.socket());
            u.write(HandshakeRequestFrame.encode(HandshakeRequest.client("localhost").build(), version),
                    new int[] {RawDescriptors.of(ch)},
                    deadline());
            byte[][] frame = u.readFrame(Wire.MAX_REPLY_BODY, deadline());
            assertThat(frame[0][2]).as("the reply's version is the request's").isEqualTo((byte) version);
            HandshakeReply r = HandshakeReply.decode(Wire.fields(frame[1]));
            r.destroy(); // the returned keys are not used here
            return new RawSession(u, r);
        }

        SessionReply exchange(byte[] frame, int... fds) throws Exception {
            unix.write(frame, fds, deadline());
            byte[][] reply = readFrame();
            assertThat(reply[0][3]).isEqualTo((byte) Wire.TYPE_SESSION_REPLY);
            return SessionReply.decode(Wire.fields(reply[1]));
        }

        byte[][] readFrame() throws Exception {
            return unix.readFrame(Wire.MAX_REPLY_BODY, deadline());
        }

        @Override
        public void close() {
            unix.close();
        }

        private static long deadline() {
            return System.nanoTime() + 20_000_000_000L;
        }
    }

    /** A JSSE TLS 1.3 server that completes the handshake and then reads until the connection ends. */
    static final class JssePeer implements AutoCloseable {
        private final SSLServerSocket server;
        private final CompletableFuture<Void> done;

        JssePeer() throws Exception {
            server = (SSLServerSocket) TestPki.get().serverContext().getServerSocketFactory()
                    .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
            server.setEnabledProtocols(new String[] {"TLSv1.3"});
            done = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(30_000);
                    s.startHandshake();
                    byte[] b = new byte[4096];
                    while (s.getInputStream().read(b) >= 0) {
                        // discard
                    }
                } catch (Exception ignored) {
                    // the test decides what matters
                }
            });
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }

        @Override
        public void close() throws Exception {
            server.close();
            try {
                done.get(1, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // still reading: the socket goes with the JVM's cleanup
            }
        }
    }

}
