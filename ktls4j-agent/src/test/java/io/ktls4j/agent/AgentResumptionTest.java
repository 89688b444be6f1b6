package io.ktls4j.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.sw.SoftwareBackend;
import io.ktls4j.testkit.Patience;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Resumption through the agent when the agent returns the keys to the consumer (allow-software-return, this
 * build host without kTLS): as a server, the tickets the agent issued travel in the reply and the consumer sends them
 * first under the returned TX key; as a client, the consumer hands each ticket it reads to the agent, which keeps it in
 * its context's session cache and offers it in its next handshake to the same server. The peer is an in-process
 * ktls4j endpoint with its own session cache or ticket keys; both ends must say "resumed" on the second connection.
 */
class AgentResumptionTest {
    private static final byte[] LINE = "hello again\n".getBytes(StandardCharsets.US_ASCII);

    private static AgentFixture fixture;

    @BeforeAll
    static void agent() throws Exception {
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS: the agent installs keys there");
        fixture = AgentFixture.withSoftwareReturn("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void aConsumerServerSendsTheAgentsTicketsAndTheClientsNextConnectionResumes() throws Exception {
        KtlsContext client = KtlsContext.forClient().trustManager(TestPki.get().cert).protocols(TlsVersion.TLS_1_3)
                .backend(new SoftwareBackend()).build();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            for (int round = 0; round < 2; round++) {
                CompletableFuture<KtlsConnection> connecting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return client.connect(SocketChannel.open(listener.getLocalAddress()), "localhost");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                try (SocketChannel accepted = listener.accept();
                        KtlsConnection server = fixture.agent().handshake(accepted,
                                HandshakeRequest.server().build());
                        KtlsConnection c = connecting.get(Patience.millis(30_000), TimeUnit.MILLISECONDS)) {
                    assertThat(server.backend(Direction.TX)).as("TX came back to this process")
                            .isEqualTo(io.ktls4j.BackendKind.SOFTWARE);
                    assertThat(server.sessionTicketsSent()).as("round " + round + ": the agent's tickets, sent here")
                            .isEqualTo(round == 0 ? 2 : 1);
                    server.write(ByteBuffer.wrap(LINE));
                    readLine(c);
                    assertThat(c.sessionTicketsReceived()).as("the client read them before the line")
                            .isEqualTo(round == 0 ? 2 : 1);
                    assertThat(c.isResumed()).as("round " + round + ": the client resumed").isEqualTo(round == 1);
                    assertThat(server.isResumed()).as("round " + round + ": the agent resumed").isEqualTo(round == 1);
                }
            }
        }
        assertThat(fixture.awaitLog("1 ticket for the consumer to send", Patience.millis(10_000)))
                .contains("resumed");
    }

    /**
     * TLS 1.3: the consumer hands each ticket it reads to the agent, which offers it next time. TLS 1.2: the session
     * the server gave an ID stays in the agent (its master secret with it) and is offered by that ID, again and
     * again; nothing travels.
     */
    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void aConsumerClientResumesThroughTheAgent(TlsVersion version) throws Exception {
        KtlsContext server = KtlsContext.forServer(TestPki.get().certPem, TestPki.get().keyPem)
                .protocols(version).backend(new SoftwareBackend()).build();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            for (int round = 0; round < 3; round++) {
                CompletableFuture<KtlsConnection> accepting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return server.accept(listener.accept());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                try (SocketChannel ch = SocketChannel.open(listener.getLocalAddress());
                        KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build());
                        KtlsConnection s = accepting.get(Patience.millis(30_000), TimeUnit.MILLISECONDS)) {
                    assertThat(c.version()).isEqualTo(version);
                    assertThat(c.isResumed()).as("round " + round + ": the agent offered the kept session")
                            .isEqualTo(round > 0);
                    assertThat(s.isResumed()).as("round " + round + ": the server resumed").isEqualTo(round > 0);
                    s.write(ByteBuffer.wrap(LINE));
                    readLine(c);
                    assertThat(c.sessionTicketsReceived()).as("read here, handed to the agent")
                            .isEqualTo(version == TlsVersion.TLS_1_2 ? 0 : round == 0 ? 2 : 1);
                }
            }
        }
    }

    /**
     * TLS 1.2: the agent's server issues an RFC 5077 ticket inside the handshake, so it reaches a JSSE client whichever
     * record layer the keys go to, and the client's next connection resumes in the agent.
     */
    @Test
    void aTls12JsseClientResumesThroughTheAgentByTicket() throws Exception {
        javax.net.ssl.SSLContext jsse = TestPki.get().clientContext();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            for (int round = 0; round < 2; round++) {
                CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
                    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) jsse.getSocketFactory()
                            .createSocket("localhost", port)) {
                        s.setEnabledProtocols(new String[] {"TLSv1.2"});
                        return new String(s.getInputStream().readNBytes(LINE.length), StandardCharsets.US_ASCII);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                try (SocketChannel accepted = listener.accept();
                        KtlsConnection server = fixture.agent().handshake(accepted,
                                HandshakeRequest.server().build())) {
                    assertThat(server.version()).isEqualTo(TlsVersion.TLS_1_2);
                    assertThat(server.isResumed()).as("round " + round + ": resumed by the agent")
                            .isEqualTo(round == 1);
                    server.write(ByteBuffer.wrap(LINE));
                    assertThat(client.get(Patience.millis(30_000), TimeUnit.MILLISECONDS))
                            .isEqualTo(new String(LINE, StandardCharsets.US_ASCII));
                }
            }
        }
    }

    private static void readLine(KtlsConnection c) throws Exception {
        ByteBuffer in = ByteBuffer.allocate(LINE.length);
        while (in.hasRemaining()) {
            assertThat(c.read(in)).as("the line after the tickets").isPositive();
        }
        assertThat(in.array()).isEqualTo(LINE);
    }
}
