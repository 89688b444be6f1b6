package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsSocket;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.SocketState;
import io.ktls4j.agent.TestPki;
import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.agent.wire.SessionReply;
import io.ktls4j.agent.wire.SessionRequest;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.TrafficSecrets;
import io.ktls4j.linux.fd.RawDescriptors;
import io.ktls4j.linux.unix.UnixSocket;
import io.ktls4j.sw.SoftwareBackend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's side of a kept session's operations ({@link SessionOps}) against a real TLS 1.3 peer (JSSE), with the
 * kernel replaced: the session's secrets come from a real handshake, and the {@link KernelPort} the agent would use
 * on the consumer's socket is a software record layer on that socket, so the peer checks every KeyUpdate record and
 * every key the agent derives. Also the refusals that must leave the socket untouched.
 */
class SessionOpsTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    /**
     * The consumer's socket as the agent reaches it: a software record layer for records and keys, every such call
     * recorded; what the socket is (its cookie) still comes from the kernel.
     */
    static final class RecordLayerPort extends KernelPort.Linux {
        final KtlsSocket layer;
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile String rekeyUnavailable;

        RecordLayerPort(KtlsSocket layer) {
            this.layer = layer;
        }

        @Override
        public String rekeyUnavailable() {
            return rekeyUnavailable;
        }

        @Override
        public void sendControl(int fd, RecordType type, byte[] data, long waitMillis) throws IOException {
            calls.add("send " + type.value() + " " + HexFormat.of().formatHex(data));
            layer.sendControl(type, ByteBuffer.wrap(data));
        }

        @Override
        public void install(int fd, Direction direction, CryptoInfo info, boolean rekey) throws IOException {
            calls.add("install " + direction);
            layer.install(direction, info);
        }
    }

    @Test
    void keyUpdatesBothWaysAgainstJsseWithTheAgentsKeys() throws Exception {
        Setup t = setup(Placement.KERNEL);
        KeptSession s = t.session();
        RecordLayerPort port = t.port();

        SessionReply r = SessionOps.execute(s, SessionRequest.keyUpdateTx(handle(), true, 1000), t.fd(), port);
        assertThat(r.status()).as(r.toString()).isEqualTo(AgentStatus.OK);
        assertThat(r.txUpdated()).isTrue();
        assertThat(r.txGeneration()).isEqualTo(1);
        assertThat(r.nextKey(Direction.TX)).as("a kernel direction's key never leaves the agent").isNull();
        assertThat(port.calls).containsExactly("send 22 1800000101", "install TLS_TX");
        send(t.layer(), "after our update");
        assertThat(t.peer().line()).isEqualTo("after our update");

        // JSSE answers update_requested with its own KeyUpdate, then the reply under its next key
        t.peer().write("reply");
        assertThat(readLine(t.layer(), s, t.fd(), port)).isEqualTo("reply");
        assertThat(s.generation(Direction.RX)).isEqualTo(1);

        // JSSE's post-handshake startHandshake() sends KeyUpdate(update_requested): the agent follows and answers
        t.peer().updateKeysThenWrite("after the peer's update");
        assertThat(readLine(t.layer(), s, t.fd(), port)).isEqualTo("after the peer's update");
        assertThat(s.generation(Direction.RX)).isEqualTo(2);
        assertThat(s.generation(Direction.TX)).as("the answer").isEqualTo(2);
        assertThat(port.calls.subList(2, port.calls.size())).containsExactly("install TLS_RX", "install TLS_RX",
                "send 22 1800000100", "install TLS_TX");
        send(t.layer(), "done");
        assertThat(t.peer().line()).isEqualTo("done");
        t.peer().finish();
    }

    @Test
    void aSoftwareDirectionGetsItsNextKeyInTheReplyAndNothingTouchesTheSocket() throws Exception {
        Setup t = setup(Placement.SOFTWARE);
        KeptSession s = t.session();
        RecordLayerPort port = t.port();
        port.rekeyUnavailable = "not asked for software directions";

        SessionReply r = SessionOps.execute(s, SessionRequest.keyUpdateTx(handle(), false, 1000), t.fd(), port);
        assertThat(r.status()).as(r.toString()).isEqualTo(AgentStatus.OK);
        assertThat(r.txUpdated()).isFalse();
        assertThat(port.calls).isEmpty();
        // the consumer's part: the KeyUpdate under the current key, then the returned key
        t.layer().sendControl(RecordType.HANDSHAKE, ByteBuffer.wrap(new byte[] {24, 0, 0, 1, 0}));
        t.layer().install(Direction.TX, r.nextKey(Direction.TX));
        r.destroy();
        assertThat(r.isDestroyed()).isTrue();
        send(t.layer(), "under the returned key");
        assertThat(t.peer().line()).isEqualTo("under the returned key");
        t.peer().finish();
    }

    @Test
    void refusalsLeaveTheSocketAndTheSecretsAsTheyWere() throws Exception {
        Setup t = setup(Placement.KERNEL);
        KeptSession s = t.session();
        RecordLayerPort port = t.port();

        port.rekeyUnavailable = "TLS 1.3 rekey (a second TLS_TX/TLS_RX) needs Linux 6.14; this kernel (6.1.0) cannot";
        SessionReply noRekey = SessionOps.execute(s, SessionRequest.keyUpdateTx(handle(), false, 1000), t.fd(), port);
        assertThat(noRekey.status()).isEqualTo(AgentStatus.REKEY_UNSUPPORTED);
        assertThat(noRekey.socketState()).isEqualTo(SocketState.ESTABLISHED);
        assertThat(noRekey.message()).contains("Linux 6.14");
        SessionReply peerNoRekey = SessionOps.execute(s, SessionRequest.peerKeyUpdate(handle(),
                new byte[] {24, 0, 0, 1, 0}, true, 1000), t.fd(), port);
        assertThat(peerNoRekey.status()).isEqualTo(AgentStatus.REKEY_UNSUPPORTED);
        port.rekeyUnavailable = null;

        try (SocketChannel other = SocketChannel.open(t.peer().address())) {
            SessionReply wrong = SessionOps.execute(s, SessionRequest.keyUpdateTx(handle(), false, 1000),
                    RawDescriptors.of(other), port);
            assertThat(wrong.status()).isEqualTo(AgentStatus.BAD_DESCRIPTOR);
            assertThat(wrong.message()).contains("not this session's socket");
        }
        assertThat(SessionOps.execute(s, SessionRequest.keyUpdateTx(handle(), false, 1000), -1, port).status())
                .isEqualTo(AgentStatus.BAD_DESCRIPTOR);
        SessionReply malformed = SessionOps.execute(s, SessionRequest.peerKeyUpdate(handle(),
                new byte[] {24, 0, 0, 1, 2}, true, 1000), t.fd(), port);
        assertThat(malformed.status()).isEqualTo(AgentStatus.BAD_REQUEST);
        assertThat(malformed.message()).contains("not a KeyUpdate");
        SessionReply serverTicket = SessionOps.execute(session(connect(new Peer()), Role.SERVER, Placement.KERNEL,
                t.fd()), SessionRequest.newSessionTicket(handle(), ticket()), -1, port);
        assertThat(serverTicket.status()).isEqualTo(AgentStatus.BAD_REQUEST);
        assertThat(SessionOps.execute(s, SessionRequest.newSessionTicket(handle(), new byte[] {4, 0, 0, 1, 0}), -1,
                port).status()).isEqualTo(AgentStatus.BAD_REQUEST);
        SessionReply ticket = SessionOps.execute(s, SessionRequest.newSessionTicket(handle(), ticket()), -1, port);
        assertThat(ticket.status()).isEqualTo(AgentStatus.OK);
        assertThat(ticket.tickets()).isEqualTo(1);

        assertThat(port.calls).as("nothing was sent or installed").isEmpty();
        assertThat(s.generation(Direction.TX)).isZero();
        assertThat(s.generation(Direction.RX)).isZero();
        // the connection still works under the first keys
        send(t.layer(), "still the first keys");
        assertThat(t.peer().line()).isEqualTo("still the first keys");

        assertThat(s.release("test")).isTrue();
        assertThat(s.secretsDestroyed()).as("released secrets are zeroed").isTrue();
        assertThat(SessionOps.execute(s, SessionRequest.keyUpdateTx(handle(), false, 1000), t.fd(), port).status())
                .isEqualTo(AgentStatus.UNKNOWN_SESSION);
        t.peer().finish();
    }

    /** A client connection to a fresh JSSE peer whose secrets became a kept session. */
    private record Setup(Peer peer, KtlsSocket layer, int fd, KeptSession session, RecordLayerPort port) {
    }

    private Setup setup(Placement placement) throws Exception {
        Peer peer = new Peer();
        KtlsConnection c = connect(peer);
        int fd = RawDescriptors.of(c.recordLayer().channel());
        return new Setup(peer, c.recordLayer(), fd, session(c, Role.CLIENT, placement, fd),
                new RecordLayerPort(c.recordLayer()));
    }

    private static byte[] ticket() {
        // lifetime 7200, age_add, nonce <1>, ticket <2>, extensions <0>
        byte[] body = {0, 0, 0x1c, 0x20, 1, 2, 3, 4, 1, 9, 0, 2, 7, 7, 0, 0};
        byte[] m = new byte[4 + body.length];
        m[0] = 4;
        m[3] = (byte) body.length;
        System.arraycopy(body, 0, m, 4, body.length);
        return m;
    }

    private static byte[] handle() {
        return new byte[16];
    }

    private KeptSession session(KtlsConnection c, Role role, Placement placement, int fd) throws IOException {
        TrafficSecrets secrets = Handshakes.takeTrafficSecrets(c).orElseThrow();
        assertThat(Handshakes.takeTrafficSecrets(c)).as("taken once").isEmpty();
        UnixSocket[] pair = UnixSocket.pair();
        FrameStream mine = new FrameStream(pair[0]);
        FrameStream theirs = new FrameStream(pair[1]);
        open.add(theirs);
        Map<Direction, Placement> placements = new EnumMap<>(Map.of(Direction.TX, placement, Direction.RX,
                placement));
        KeptSession s = new KeptSession(1, handle(), role, placements, KernelPort.LINUX.cookie(fd), secrets, mine,
                "test");
        open.add(() -> s.release("test over"));
        return s;
    }

    private KtlsConnection connect(Peer peer) throws Exception {
        KtlsContext tls = KtlsContext.forClient().trustManager(TestPki.get().cert).protocols(TlsVersion.TLS_1_3)
                .backend(new SoftwareBackend()).build();
        SocketChannel ch = SocketChannel.open(peer.address());
        KtlsConnection c = tls.connect(ch, "localhost");
        open.add(c);
        return c;
    }

    private static void send(KtlsSocket layer, String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            layer.send(b);
        }
    }

    /**
     * Reads records up to a line of application data; a KeyUpdate on the way is handed to the agent's operation
     * (as the consumer does), NewSessionTickets are skipped.
     */
    private static String readLine(KtlsSocket layer, KeptSession s, int fd, KernelPort port) throws IOException {
        StringBuilder line = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(1 << 15);
        while (true) {
            buf.clear();
            Received r = layer.receive(buf);
            assertThat(r.isEndOfStream()).isFalse();
            buf.flip();
            if (RecordType.HANDSHAKE.equals(r.type())) {
                byte[] m = new byte[buf.remaining()];
                buf.get(m);
                if (m[0] == 24) {
                    SessionReply reply = SessionOps.execute(s, SessionRequest.peerKeyUpdate(handle(), m, true, 1000),
                            fd, port);
                    assertThat(reply.status()).as(reply.toString()).isEqualTo(AgentStatus.OK);
                }
                continue;
            }
            line.append(StandardCharsets.US_ASCII.decode(buf));
            int nl = line.indexOf("\n");
            if (nl >= 0) {
                return line.substring(0, nl);
            }
        }
    }

    /** A JSSE TLS 1.3 server for one connection, driven line by line. */
    private final class Peer {
        private final SSLServerSocket server;
        private final CompletableFuture<SSLSocket> accepted;

        Peer() throws Exception {
            server = (SSLServerSocket) TestPki.get().serverContext().getServerSocketFactory()
                    .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
            server.setEnabledProtocols(new String[] {"TLSv1.3"});
            open.add(server);
            accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    SSLSocket s = (SSLSocket) server.accept();
                    s.setSoTimeout(20_000);
                    s.startHandshake();
                    return s;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e); // the test sees it as a handshake failure
                }
            });
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }

        SSLSocket socket() throws Exception {
            return accepted.get(20, TimeUnit.SECONDS);
        }

        private BufferedReader reader;

        String line() throws Exception {
            if (reader == null) {
                reader = new BufferedReader(new InputStreamReader(socket().getInputStream(), StandardCharsets.US_ASCII));
            }
            return reader.readLine();
        }

        void write(String line) throws Exception {
            OutputStream out = socket().getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        void updateKeysThenWrite(String line) throws Exception {
            socket().startHandshake(); // TLS 1.3: a KeyUpdate with update_requested
            write(line);
        }

        void finish() throws Exception {
            socket().setSoTimeout(200); // JSSE's close waits that long for our close_notify
            socket().close();
        }
    }
}
