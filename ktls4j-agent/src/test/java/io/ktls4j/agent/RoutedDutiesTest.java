package io.ktls4j.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.agent.wire.SessionReply;
import io.ktls4j.agent.wire.SessionRequest;
import io.ktls4j.agent.wire.Wire;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.SessionInfo;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.linux.fd.RawDescriptors;
import io.ktls4j.linux.unix.UnixSocket;
import io.ktls4j.sw.SoftwareBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer's side of a kept session ({@link RoutedDuties} under an adopted {@link KtlsConnection}), against a
 * scripted agent on the other end of a socketpair: what it sends for each duty (the frame, the descriptor), and what
 * each answer becomes: REKEY_UNSUPPORTED a {@link KernelFeatureException} naming 6.14 with the agent's text,
 * WOULD_BLOCK a {@link WouldBlockException}, a closed connection an {@link AgentException}, a returned software key
 * a KeyUpdate record under the old key followed by records under the new one.
 */
class RoutedDutiesTest {
    private static final byte[] HANDLE = new byte[16];
    private static final CryptoInfo FIRST = key(1);
    private static final CryptoInfo SECOND = key(2);

    private ServerSocketChannel listener;
    private SocketChannel mine;
    private SocketChannel theirs;
    private KtlsSocket myLayer;
    private KtlsSocket theirLayer;
    private FrameStream agentEnd;
    private KtlsConnection connection;

    @BeforeEach
    void connect() throws Exception {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        mine = SocketChannel.open(listener.getLocalAddress());
        theirs = listener.accept();
        myLayer = new SoftwareBackend().attach(mine);
        theirLayer = new SoftwareBackend().attach(theirs);
        myLayer.install(Direction.TX, FIRST);
        myLayer.install(Direction.RX, FIRST);
        theirLayer.install(Direction.TX, FIRST);
        theirLayer.install(Direction.RX, FIRST);
        UnixSocket[] pair = UnixSocket.pair();
        agentEnd = new FrameStream(pair[1]);
        SessionInfo session = new SessionInfo(TlsVersion.TLS_1_3, TlsCipherSuite.TLS_AES_128_GCM_SHA256, null, null,
                List.of(), List.of(), null);
        connection = Handshakes.adopt(myLayer, session, Role.CLIENT,
                new RoutedDuties(new FrameStream(pair[0]), HANDLE, "the test's agent"));
    }

    @AfterEach
    void close() throws Exception {
        agentEnd.close(); // the scripted agent answers no RELEASE
        connection.close();
        theirs.close();
        listener.close();
    }

    /** The scripted agent: reads one operation and answers it with {@code answer(request, descriptors)}. */
    private CompletableFuture<SessionRequest> agent(Function<SessionRequest, SessionReply> answer) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                byte[][] frame = agentEnd.readFrame(Wire.MAX_SESSION_REQUEST_BODY, System.nanoTime() + 10_000_000_000L);
                SessionRequest.Op op = SessionRequest.Op.ofType(frame[0][3] & 0xff);
                SessionRequest r = SessionRequest.decode(op, Wire.fields(frame[1]));
                int[] fds = agentEnd.takeDescriptors();
                assertThat(fds).as("descriptors with " + op).hasSize(op.withDescriptor() ? 1 : 0);
                for (int fd : fds) {
                    RawDescriptors.close(fd);
                }
                SessionReply reply = answer.apply(r);
                agentEnd.write(reply.encode(), new int[0], System.nanoTime() + 10_000_000_000L);
                return r;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void withoutRekeyTheConsumerRaisesTheKernelFeatureWithTheAgentsText() throws Exception {
        CompletableFuture<SessionRequest> seen = agent(r -> SessionReply.failure(AgentStatus.REKEY_UNSUPPORTED,
                SocketState.ESTABLISHED, "TLS 1.3 rekey (a second TLS_TX/TLS_RX) needs Linux 6.14; this kernel "
                        + "(6.1.0-test) cannot install the next key"));
        assertThatThrownBy(() -> connection.keyUpdate(true)).isInstanceOfSatisfying(KernelFeatureException.class,
                e -> assertThat(e.sinceVersion()).isEqualTo("6.14"))
                .hasMessageContaining("this kernel (6.1.0-test) cannot install the next key");
        SessionRequest r = seen.get(10, TimeUnit.SECONDS);
        assertThat(r.op()).isEqualTo(SessionRequest.Op.KEY_UPDATE_TX);
        assertThat(r.requestUpdate()).isTrue();
        assertThat(r.handle()).isEqualTo(HANDLE);
        assertThat(connection.isOpen()).as("like the in-process path, the connection is given up").isFalse();
    }

    @Test
    void aFullSendBufferIsWouldBlockAndTheConnectionGoesOn() throws Exception {
        mine.configureBlocking(false);
        CompletableFuture<SessionRequest> seen = agent(r -> SessionReply.failure(AgentStatus.WOULD_BLOCK,
                SocketState.ESTABLISHED, "the socket's send buffer stayed full for 0 ms"));
        assertThatThrownBy(() -> connection.keyUpdate(false)).isInstanceOf(WouldBlockException.class);
        assertThat(seen.get(10, TimeUnit.SECONDS).sendWaitMillis()).as("a non-blocking channel does not wait")
                .isZero();
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void anAgentThatClosedTheSessionIsNamed() throws Exception {
        agentEnd.close();
        assertThatThrownBy(() -> connection.keyUpdate(false)).isInstanceOfSatisfying(AgentException.class,
                e -> assertThat(e.status()).isEqualTo(AgentStatus.UNKNOWN_SESSION))
                .hasMessageContaining("session-idle-ms");
    }

    @Test
    void aReturnedSoftwareKeyFollowsTheKeyUpdateRecord() throws Exception {
        CompletableFuture<SessionRequest> seen = agent(r -> SessionReply.success(1, 0, false, 0,
                Map.of(Direction.TX, SECOND.copy())));
        connection.keyUpdate(false);
        assertThat(seen.get(10, TimeUnit.SECONDS).op()).isEqualTo(SessionRequest.Op.KEY_UPDATE_TX);
        assertThat(connection.keyUpdatesSent()).isEqualTo(1);
        connection.write(ByteBuffer.wrap("under the second key".getBytes()));

        ByteBuffer buf = ByteBuffer.allocate(256);
        Received keyUpdate = theirLayer.receive(buf);
        assertThat(keyUpdate.type()).isEqualTo(RecordType.HANDSHAKE);
        assertThat(Arrays.copyOf(buf.array(), buf.position())).containsExactly(24, 0, 0, 1, 0);
        theirLayer.install(Direction.RX, SECOND);
        buf.clear();
        theirLayer.read(buf);
        assertThat(new String(buf.array(), 0, buf.position())).isEqualTo("under the second key");
    }

    @Test
    void aTicketIsHandedToTheAgentWithoutTheSocket() throws Exception {
        CompletableFuture<SessionRequest> seen = agent(r -> SessionReply.success(0, 0, false, 1, Map.of()));
        byte[] ticket = {4, 0, 0, 13, 0, 0, 0x1c, 0x20, 1, 2, 3, 4, 0, 0, 1, 7, 0, 0};
        ticket[3] = (byte) (ticket.length - 4);
        theirLayer.sendControl(RecordType.HANDSHAKE, ByteBuffer.wrap(ticket));
        theirLayer.send(ByteBuffer.wrap("x".getBytes()));
        assertThat(connection.read(ByteBuffer.allocate(8))).isEqualTo(1);
        SessionRequest r = seen.get(10, TimeUnit.SECONDS);
        assertThat(r.op()).isEqualTo(SessionRequest.Op.NEW_SESSION_TICKET);
        assertThat(r.message()).isEqualTo(ticket);
        assertThat(connection.sessionTicketsReceived()).isEqualTo(1);
    }

    private static CryptoInfo key(int fill) {
        byte[] k = new byte[16];
        Arrays.fill(k, (byte) fill);
        try {
            return CryptoInfo.of(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, k, new byte[8], new byte[4],
                    CryptoInfo.seqBytes(0));
        } catch (io.ktls4j.KtlsException e) {
            throw new IllegalStateException(e);
        }
    }
}
