package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.agent.AgentClient;
import io.ktls4j.agent.AgentException;
import io.ktls4j.agent.AgentProcess;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.EchoPeer;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.JsseEcho;
import io.ktls4j.agent.Lines;
import io.ktls4j.agent.SocketState;
import io.ktls4j.agent.TestFds;
import io.ktls4j.agent.TestPki;
import io.ktls4j.handshake.KtlsConnection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as its own process ({@code ktls agent}): descriptors cross a process boundary and neither side keeps
 * one; SIGHUP reloads the file; SIGTERM stops it and removes the socket; a consumer whose agent is killed mid-handshake
 * gets a clear error and a closed socket.
 */
class AgentProcessTest {
    private static final String CONFIG = """
            [credential %s]
            certificate = $CERT
            key = $KEY
            trust = $CERT
            allow-software-return = true
            """;

    @TempDir
    Path dir;

    @Test
    void handshakesInAnotherProcessLeaveNoDescriptorOnEitherSide() throws Exception {
        Path conf = TestPki.get().config(dir, CONFIG.formatted("default"));
        TestFds.warmUp();
        try (AgentProcess agent = AgentProcess.start(dir, "--config", conf.toString());
             JsseEcho peer = new JsseEcho("TLSv1.3", "TLSv1.2")) {
            AgentClient consumer = AgentClient.connect(agent.socket());
            exchange(consumer, peer, "warm up"); // the agent's first handshake loads and probes what it needs
            int agentBefore = agent.settledDescriptors();
            int before = TestFds.socketCount();
            for (int i = 0; i < 5; i++) {
                exchange(consumer, peer, "round " + i);
            }
            assertThat(TestFds.awaitSocketCount(before)).as("consumer sockets").isEqualTo(before);
            assertThat(agent.settledDescriptors()).as("agent descriptors").isEqualTo(agentBefore);
            assertThat(agent.log()).filteredOn(l -> l.contains(" OK TLSv1.3")).hasSize(6);
            assertThat(agent.log()).anyMatch(l -> l.contains("pid=" + ProcessHandle.current().pid()));
        }
    }

    /**
     * An inherited SSLKEYLOGFILE writes nothing (issue 15 F10: the agent wrote every session's secrets there); only
     * --keylog does.
     */
    @Test
    void sessionSecretsAreLoggedOnlyWithKeylogNeverFromTheEnvironment() throws Exception {
        Path conf = TestPki.get().config(dir, CONFIG.formatted("default"));
        Path inherited = dir.resolve("inherited.keys");
        try (AgentProcess agent = AgentProcess.start(dir, java.util.Map.of("SSLKEYLOGFILE", inherited.toString()),
                "--config", conf.toString());
             JsseEcho peer = new JsseEcho("TLSv1.3")) {
            agent.awaitLog("SSLKEYLOGFILE is set and ignored", 5000);
            exchange(AgentClient.connect(agent.socket()), peer, "no key log");
        }
        assertThat(inherited).doesNotExist();
        Path asked = dir.resolve("asked.keys");
        try (AgentProcess agent = AgentProcess.start(dir, java.util.Map.of("SSLKEYLOGFILE", inherited.toString()),
                "--config", conf.toString(), "--keylog", asked.toString());
             JsseEcho peer = new JsseEcho("TLSv1.3")) {
            exchange(AgentClient.connect(agent.socket()), peer, "key log asked for");
        }
        assertThat(inherited).doesNotExist();
        assertThat(Files.readString(asked)).contains("CLIENT_TRAFFIC_SECRET_0 ");
    }

    @Test
    void sighupReloadsTheConfigurationAndSigtermStopsTheAgent() throws Exception {
        Path conf = TestPki.get().config(dir, CONFIG.formatted("before"));
        try (AgentProcess agent = AgentProcess.start(dir, "--config", conf.toString());
             JsseEcho peer = new JsseEcho("TLSv1.3")) {
            agent.awaitLog("SIGHUP reloads " + conf, 5000);
            AgentClient consumer = AgentClient.connect(agent.socket());
            TestPki.get().config(dir, CONFIG.formatted("after"));
            agent.signal("HUP");
            agent.awaitLog("reloaded: AgentConfig[" + conf + ": [after]", 10_000);
            try (SocketChannel ch = SocketChannel.open(peer.address());
                 KtlsConnection c = consumer.handshake(ch, HandshakeRequest.client("localhost").credential("after")
                         .build())) {
                Lines.send(c, "after the reload");
                assertThat(Lines.receive(c)).isEqualTo("AFTER THE RELOAD");
            }
            assertThat(agent.isAlive()).as("SIGHUP does not end the JVM").isTrue();
            agent.signal("TERM");
            assertThat(agent.waitFor(20_000)).as("the JVM's exit status after SIGTERM, 128 + 15").isEqualTo(143);
            agent.awaitLog("stopped after", 1000);
            assertThat(Files.exists(agent.socket())).as("the socket file is removed").isFalse();
        }
    }

    @Test
    void aConsumerWhoseAgentIsKilledMidHandshakeGetsAClearErrorAndNoLeak() throws Exception {
        Path conf = TestPki.get().config(dir, CONFIG.formatted("default"));
        TestFds.warmUp();
        try (AgentProcess agent = AgentProcess.start(dir, "--config", conf.toString())) {
            AgentClient consumer = AgentClient.connect(agent.socket());
            int before = TestFds.socketCount();
            try (EchoPeer peer = new EchoPeer()) {
                SocketChannel ch = SocketChannel.open(peer.address());
                CompletableFuture<Object> handshake = CompletableFuture.supplyAsync(() -> {
                    try {
                        return consumer.handshake(ch, HandshakeRequest.client("localhost")
                                .timeout(Duration.ofSeconds(60)).build());
                    } catch (Exception e) {
                        return e;
                    }
                });
                assertThat(peer.socket().getInputStream().read()).as("the agent's ClientHello").isEqualTo(22);
                agent.signal("KILL");
                Object result = handshake.get(20, TimeUnit.SECONDS);
                assertThat(result).isInstanceOfSatisfying(AgentException.class, e -> {
                    assertThat(e.status()).isEqualTo(AgentStatus.INTERNAL_ERROR);
                    assertThat(e.socketState()).isEqualTo(SocketState.UNUSABLE);
                    assertThat(e.getMessage()).contains("closed the connection without a reply");
                });
                assertThat(ch.isOpen()).isFalse();
                assertThat(peer.readToEnd(new int[1])).as("the peer sees the connection end").isGreaterThanOrEqualTo(0);
            }
            assertThat(TestFds.awaitSocketCount(before)).as("consumer sockets").isEqualTo(before);
        }
    }

    @Test
    void usageErrorsExitWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true);
        assertThat(AgentMain.run(new String[] {}, System.out, e)).isEqualTo(2);
        assertThat(err.toString()).contains("--socket PATH is required");
        assertThat(AgentMain.run(new String[] {"--socket", "/x", "--bogus"}, System.out, e)).isEqualTo(2);
        assertThat(err.toString()).contains("unknown option --bogus");
        assertThat(AgentMain.run(new String[] {"--socket", "/x", "--watch"}, System.out, e)).isEqualTo(2);
        assertThat(err.toString()).contains("--watch needs --config");
        assertThat(AgentMain.run(new String[] {"--socket", dir.resolve("s").toString(), "--config",
            dir.resolve("missing.conf").toString()}, System.out, e)).isEqualTo(1);
        assertThat(err.toString()).contains("missing.conf");
    }

    @Test
    void aSecondAgentOnTheSameSocketIsRefusedAndAStaleSocketIsReplaced() throws Exception {
        Path conf = TestPki.get().config(dir, CONFIG.formatted("default"));
        try (AgentProcess agent = AgentProcess.start(dir, "--config", conf.toString())) {
            assertThatThrownBy(() -> AgentDaemon.start(agent.socket(),
                    AgentDaemon.Options.defaults().config(conf).log(l -> { })))
                    .hasMessageContaining("an agent is already listening on " + agent.socket());
            agent.signal("KILL");
            agent.waitFor(10_000);
            assertThat(Files.exists(agent.socket())).as("a killed agent leaves its socket file").isTrue();
            try (AgentDaemon d = AgentDaemon.start(agent.socket(),
                    AgentDaemon.Options.defaults().config(conf).log(l -> { }))) {
                assertThat(d.socketPath()).isEqualTo(agent.socket());
                assertThat(AgentClient.connect(agent.socket()).agentVersion()).startsWith("ktls4j-agent");
            }
        }
    }

    private static void exchange(AgentClient consumer, JsseEcho peer, String line) throws Exception {
        try (SocketChannel ch = SocketChannel.open(peer.address());
             KtlsConnection c = consumer.handshake(ch, HandshakeRequest.client("localhost").build())) {
            Lines.send(c, line);
            assertThat(Lines.receive(c)).isEqualTo(line.toUpperCase());
        }
    }
}
