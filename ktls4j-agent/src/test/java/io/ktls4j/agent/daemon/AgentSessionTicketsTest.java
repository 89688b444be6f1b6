package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsVersion;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.TestPki;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.linux.unix.UnixSocket;
import io.ktls4j.sw.SoftwareBackend;
import io.ktls4j.testkit.Patience;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS 1.3 session resumption through the agent: a server handshake the agent runs issues NewSessionTickets under
 * ticket keys that stay in the agent ({@link HandshakeContexts}), sent through the consumer's TX key in the kernel
 * ({@link HandoffSocket#sendControl}); the client's next connection resumes with one of them in the agent's next
 * handshake. The kernel is replaced by {@link SessionOpsTest.RecordLayerPort}: keys and records go into a software
 * record layer on the consumer's socket, so the client checks every record the agent had sent; the client is a
 * ktls4j client with its own session cache. The handshakes run as the daemon runs them (a received descriptor under
 * {@link AdoptedSocket}, {@link HandshakeRunner}).
 */
class AgentSessionTicketsTest {
    private static final byte[] LINE = "after the tickets\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private Path configFile;
    private ServerSocketChannel listener;
    private LoopbackDummies dummies;
    private KtlsContext client;

    @BeforeEach
    void setUp() throws Exception {
        configFile = config(true);
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        open.add(listener);
        dummies = new LoopbackDummies();
        open.add(dummies);
        client = KtlsContext.forClient().trustManager(TestPki.get().cert).protocols(TlsVersion.TLS_1_3)
                .backend(new SoftwareBackend()).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    @Test
    void ticketsIssuedThroughTheKernelResumeTheNextHandshakeAndAReloadEndsThem() throws Exception {
        AgentConfig config = ConfigParser.load(configFile, 0);
        HandshakeContexts contexts = new HandshakeContexts(null);

        Served first = serve(contexts, config, true);
        assertThat(first.client().isResumed()).isFalse();
        assertThat(first.outcome().resumed()).isFalse();
        assertThat(first.outcome().ticketsSent()).as("tickets after a full handshake").isEqualTo(2);
        assertThat(first.port().calls).as("keys into the kernel, then one handshake record of two tickets")
                .hasSize(3).startsWith("install TLS_TX", "install TLS_RX");
        assertThat(first.port().calls.get(2)).startsWith("send 22 04");
        first.talk();
        assertThat(first.client().sessionTicketsReceived()).as("the client read both past the handshake")
                .isEqualTo(2);

        Served second = serve(contexts, config, true);
        assertThat(second.client().isResumed()).as("the agent opened its own ticket").isTrue();
        assertThat(second.outcome().resumed()).isTrue();
        assertThat(second.outcome().ticketsSent()).as("one new ticket after a resumption").isEqualTo(1);
        second.talk();
        assertThat(contexts.size()).as("one context for the credential and request shape").isEqualTo(1);

        AgentConfig reloaded = ConfigParser.load(configFile, 0);
        Served third = serve(contexts, reloaded, true);
        assertThat(third.client().isResumed()).as("a reload drops the old ticket keys: a full handshake").isFalse();
        assertThat(third.outcome().ticketsSent()).isEqualTo(2);
        third.talk();
    }

    @Test
    void aCredentialWithoutSessionTicketsSendsNone() throws Exception {
        AgentConfig config = ConfigParser.load(config(false), 0);
        Served s = serve(new HandshakeContexts(null), config, true);
        assertThat(s.outcome().ticketsSent()).isZero();
        assertThat(s.port().calls).containsExactly("install TLS_TX", "install TLS_RX");
        s.talk();
        assertThat(s.client().sessionTicketsReceived()).isZero();
    }

    @Test
    void ticketsAreKeptForTheReplyWhenTxIsReturnedToTheConsumer() throws Exception {
        AgentConfig config = ConfigParser.load(configFile, 0);
        HandshakeContexts contexts = new HandshakeContexts(null);

        Served s = serve(contexts, config, false);
        assertThat(s.outcome().placements()).containsValues(Placement.SOFTWARE);
        assertThat(s.port().calls).as("nothing reached the socket: the consumer's record sequence starts where the "
                + "returned key says").isEmpty();
        assertThat(s.outcome().ticketsSent()).isEqualTo(2);
        byte[] tickets = s.outcome().ticketsForConsumer();
        assertThat(tickets).as("two NewSessionTicket messages for the reply").isNotNull();
        assertThat(io.ktls4j.handshake.spi.PostHandshakeMessages.count(tickets)).isEqualTo(2);
        assertThat(tickets[0]).isEqualTo((byte) 4);
        s.outcome().returned().values().forEach(io.ktls4j.CryptoInfo::destroy);
    }

    /** A server credential "web" for TLS 1.3, with or without session tickets. */
    private Path config(boolean tickets) throws Exception {
        return TestPki.get().config(dir, """
                [credential web]
                certificate = $CERT
                key = $KEY
                sides = server
                protocols = TLSv1.3
                session-tickets = %s
                """.formatted(tickets));
    }

    /** One connection: the client's handshake against the agent's, and what each side ended with. */
    private record Served(KtlsConnection client, KtlsSocket consumer, SessionOpsTest.RecordLayerPort port,
            HandshakeRunner.Outcome outcome) {
        /** A line from the consumer's record layer, read by the client behind the tickets. */
        void talk() throws Exception {
            consumer.send(ByteBuffer.wrap(LINE));
            ByteBuffer in = ByteBuffer.allocate(LINE.length);
            while (in.hasRemaining()) {
                assertThat(client.read(in)).as("the line after the tickets").isPositive();
            }
            assertThat(in.array()).isEqualTo(LINE);
        }
    }

    /**
     * @param kernel whether the "kernel" takes the keys (false: it has no kTLS, and the credential's keys are
     *     returned to the consumer)
     */
    private Served serve(HandshakeContexts contexts, AgentConfig config, boolean kernel) throws Exception {
        CompletableFuture<KtlsConnection> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return client.connect(SocketChannel.open(listener.getLocalAddress()), "localhost");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        SocketChannel accepted = listener.accept();
        open.add(accepted);
        KtlsSocket consumer = new SoftwareBackend().attach(accepted);
        SessionOpsTest.RecordLayerPort port = new SessionOpsTest.RecordLayerPort(consumer);

        CredentialConfig credential = config.credential("web");
        HandshakeRequest request = HandshakeRequest.server().credential("web").build();
        List<TlsCipherSuite> suites = HandshakeRunner.suites(credential, false);
        KtlsContext context = contexts.forRequest(config, credential, request, suites, Duration.ofSeconds(30));
        AdoptedSocket socket = AdoptedSocket.adopt(received(accepted), dummies);
        HandoffSocket layer = new HandoffSocket(socket.channel(), socket.fd(), port, kernel, !kernel);
        HandshakeRunner.Outcome outcome;
        HandshakeContexts.Registration registered = contexts.register(layer);
        try (socket) {
            outcome = HandshakeRunner.run(context, socket, null, layer, false);
        } finally {
            registered.close();
        }
        KtlsConnection c = connecting.get(Patience.millis(30_000), TimeUnit.MILLISECONDS);
        open.add(c);
        return new Served(c, consumer, port, outcome);
    }

    /** A second descriptor of {@code channel}'s socket, as the daemon receives one (SCM_RIGHTS). */
    private static int received(SocketChannel channel) throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]) {
            a.send(new byte[] {1}, 0, 1, io.ktls4j.linux.fd.RawDescriptors.of(channel));
            UnixSocket.Received got = b.receive(new byte[1], 0, 1, 1);
            assertThat(got.fds()).hasSize(1);
            return got.fds()[0];
        }
    }
}
