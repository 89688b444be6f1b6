package io.ktls4j.agent.lab;

import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.PeerProcess;
import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.agent.AgentProcess;
import io.ktls4j.agent.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent and its consumer in separate processes on a real kTLS kernel, against OpenSSL peers: the consumer
 * fetches and serves a line over TLS 1.3 and 1.2 with both directions in the kernel, and never holds key material:
 * {@code io.ktls4j.CryptoInfo} is never even loaded in its JVM, and a dump of its whole heap holds none of the
 * session's secrets or record keys (derived from the peer's key log), while the same scan finds a marker the
 * consumer does hold. Then 200 handshakes at once through the one agent.
 */
@Tag(LabTags.KERNEL_FIRST)
@ExtendWith(KernelRequired.class)
class LabAgentTest {
    private static Path dir;
    private static AgentProcess agent;

    @BeforeAll
    static void startAgent() throws Exception {
        dir = Files.createTempDirectory("ktls4j-agent-lab");
        Files.writeString(dir.resolve("psk.hex"), HexFormat.of().formatHex(new SecureRandom().generateSeed(32)));
        Path conf = TestPki.get().config(dir, """
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                timeout-ms = 120000
                [credential psk]
                psk-identity = lab-pairs
                psk-key = psk.hex
                cipher-suites = TLS_AES_128_GCM_SHA256
                timeout-ms = 300000
                """);
        agent = AgentProcess.start(dir, "--config", conf.toString());
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void tls13ClientAgainstOpenSslServer() throws Exception {
        clientAgainstOpenSsl("1.3", OpenSslServer.TLS13, "TLS_AES_128_GCM_SHA256");
    }

    @Test
    void tls12ClientAgainstOpenSslServer() throws Exception {
        clientAgainstOpenSsl("1.2", OpenSslServer.TLS12, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    }

    @Test
    void tls13ServerForOpenSslClient() throws Exception {
        serverForOpenSsl("1.3", OpenSslServer.TLS13, "TLS_AES_128_GCM_SHA256");
    }

    @Test
    void tls12ServerForOpenSslClient() throws Exception {
        serverForOpenSsl("1.2", OpenSslServer.TLS12, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    }

    @Test
    void twoHundredHandshakesAtOnceThroughOneAgent() throws Exception {
        int n = Integer.getInteger("ktls4j.agent.lab.pairs", 100);
        int agentBefore = agent.settledDescriptors();
        long okBefore = agent.log().stream().filter(l -> l.contains(" OK TLSv1.3")).count();
        try (PeerProcess consumer = PeerProcess.java(dir, List.of(), List.of("-Xmx512m"), LabConsumer.class, agent.socket().toString(),
                "pairs", Integer.toString(n), "psk")) {
            assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(500_000)))).as(consumer.describe()).isZero();
            String[] pairs = consumer.value("PAIRS").split(" ");
            System.out.println("LabAgentTest: " + 2 * n + " handshakes (" + n + " connections, both ends through the"
                    + " agent) in " + pairs[1] + " ms");
            assertThat(Integer.parseInt(pairs[0])).as(consumer.describe()).isEqualTo(n);
        }
        assertThat(agent.log().stream().filter(l -> l.contains(" OK TLSv1.3")).count() - okBefore).isEqualTo(2L * n);
        assertThat(agent.settledDescriptors()).as("agent descriptors after the handshakes").isEqualTo(agentBefore);
    }

    private void clientAgainstOpenSsl(String version, List<String> opts, String suite) throws Exception {
        Path run = Files.createTempDirectory(dir, "client" + version);
        try (OpenSslServer server = new OpenSslServer(run, opts)) {
            Consumer c = consumer(run, "client", "127.0.0.1", Integer.toString(server.port), "fetched through the agent");
            assertThat(c.proc.value("SESSION")).isEqualTo("TLSv1." + version.charAt(2) + " " + suite
                    + " KERNEL KERNEL KERNEL_SW KERNEL_SW");
            assertThat(c.proc.value("REPLY")).isEqualTo(new StringBuilder("fetched through the agent").reverse().toString());
            assertThat(c.proc.value("TICKETS")).as("NewSessionTickets openssl sent (handed to the agent)")
                    .isEqualTo(version.equals("1.3") ? "2" : "0");
            assertNoKeyMaterial(c, server.keyLog);
        }
    }

    private void serverForOpenSsl(String version, List<String> opts, String suite) throws Exception {
        Path run = Files.createTempDirectory(dir, "server" + version);
        Path portFile = run.resolve("port");
        try (PeerProcess consumer = PeerProcess.java(run, List.of(), jvmArgs(run), LabConsumer.class, agent.socket().toString(), "server",
                portFile.toString())) {
            List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect",
                    "127.0.0.1:" + awaitPort(portFile, consumer), "-CAfile", TestPki.get().certPem.toString(),
                    "-servername", "localhost", "-verify_return_error", "-quiet", "-ign_eof",
                    "-keylogfile", run.resolve("keylog").toString()));
            cmd.addAll(opts);
            try (PeerProcess client = PeerProcess.start(run, "served through the agent\n", cmd)) {
                client.awaitOutput("SERVED THROUGH THE AGENT", Patience.of(java.time.Duration.ofMillis(120_000)));
                client.stdin().close();
                assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe()).isZero();
            }
            assertThat(consumer.value("SESSION")).isEqualTo("TLSv1." + version.charAt(2) + " " + suite
                    + " KERNEL KERNEL KERNEL_SW KERNEL_SW");
            assertThat(consumer.value("RECEIVED")).isEqualTo("served through the agent");
            assertNoKeyMaterial(new Consumer(consumer, run), run.resolve("keylog"));
        }
    }

    /**
     * TLS 1.3 resumption through the agent: it sends its NewSessionTickets through the consumer's TX key in the
     * kernel, and the client's next connection resumes with one of them in the agent's next handshake. The ticket
     * keys stay in the agent; the consumer only ever has sockets.
     */
    @Test
    void tls13TicketsFromTheAgentResumeTheNextConnection() throws Exception {
        Path run = Files.createTempDirectory(dir, "resume");
        Path portFile = run.resolve("port");
        Path session = run.resolve("session.pem");
        int logBefore = agent.log().size();
        try (PeerProcess consumer = PeerProcess.java(run, List.of(), List.of("-Xmx96m"), LabConsumer.class,
                agent.socket().toString(), "server", portFile.toString(), "2")) {
            String port = awaitPort(portFile, consumer);
            assertThat(sClient(run, port, "first", "-sess_out", session)).contains("New, TLSv1.3");
            assertThat(session).as("the ticket s_client kept").isNotEmptyFile();
            assertThat(sClient(run, port, "second", "-sess_in", session)).contains("Reused, TLSv1.3");
            assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe())
                    .isZero();
            assertThat(consumer.output().lines().filter(l -> l.startsWith("RESUMED ")).toList())
                    .as("the consumer's KtlsConnection.isResumed(), from the agent's reply")
                    .containsExactly("RESUMED false", "RESUMED true");
        }
        List<String> ok = agent.log().subList(logBefore, agent.log().size()).stream()
                .filter(l -> l.contains(" OK TLSv1.3")).toList();
        assertThat(ok).as("the agent's two handshakes").hasSize(2);
        assertThat(ok.get(0)).contains("tx=KERNEL", "2 tickets sent").doesNotContain("resumed");
        assertThat(ok.get(1)).contains("tx=KERNEL", "resumed", "1 ticket sent");
    }

    /**
     * The client side of resumption through the agent, with both directions in the kernel: openssl s_server's TLS 1.3
     * tickets arrive as control records on the consumer's kTLS RX, the consumer hands each to the agent (its kept
     * session), and the agent's next client handshake to that server offers one.
     */
    @Test
    void tls13ClientResumesWithTheTicketsItsConsumerHandedToTheAgent() throws Exception {
        Path run = Files.createTempDirectory(dir, "clientResume");
        int logBefore = agent.log().size();
        try (OpenSslServer server = new OpenSslServer(run, OpenSslServer.TLS13, 2);
                PeerProcess consumer = PeerProcess.java(run, List.of(), List.of("-Xmx96m"), LabConsumer.class,
                        agent.socket().toString(), "client", "127.0.0.1", Integer.toString(server.port), "again",
                        "2")) {
            assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe())
                    .isZero();
            assertThat(consumer.output().lines().filter(l -> l.startsWith("RESUMED ")).toList())
                    .as("the consumer's KtlsConnection.isResumed() on each connection: " + consumer.describe())
                    .containsExactly("RESUMED false", "RESUMED true");
            assertThat(consumer.output().lines().filter(l -> l.startsWith("SESSION ")).toList())
                    .allMatch(l -> l.endsWith(" KERNEL KERNEL KERNEL_SW KERNEL_SW"));
        }
        List<String> ok = agent.log().subList(logBefore, agent.log().size()).stream()
                .filter(l -> l.contains(" OK TLSv1.3")).toList();
        assertThat(ok).as("the agent's two client handshakes").hasSize(2);
        assertThat(ok.get(0)).doesNotContain("resumed");
        assertThat(ok.get(1)).contains("resumed");
    }

    /** openssl s_client sending {@code line} and waiting for it in upper case; its whole output. */
    private static String sClient(Path run, String port, String line, String sessionOption, Path session)
            throws Exception {
        try (PeerProcess client = PeerProcess.start(run, line + "\n", List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + port, "-CAfile", TestPki.get().certPem.toString(), "-servername", "localhost",
                "-verify_return_error", "-nocommands", "-ign_eof", "-tls1_3", sessionOption, session.toString()))) {
            client.awaitOutput(line.toUpperCase(), Patience.of(java.time.Duration.ofMillis(120_000)));
            client.stdin().close();
            assertThat(client.waitFor(Patience.of(java.time.Duration.ofMillis(120_000)))).as(client.describe())
                    .isZero();
            return client.output();
        }
    }

    /** The port the consumer listens on, once it has written it. */
    private static String awaitPort(Path portFile, PeerProcess consumer) throws Exception {
        long end = System.currentTimeMillis() + Patience.millis(300_000);
        while (!Files.exists(portFile) || Files.readString(portFile).isEmpty()) {
            assertThat(System.currentTimeMillis()).as(consumer.describe()).isLessThan(end);
            Thread.sleep(50);
        }
        return Files.readString(portFile).strip();
    }

    private record Consumer(PeerProcess proc, Path run) {
    }

    private Consumer consumer(Path run, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(agent.socket().toString()));
        all.addAll(List.of(args));
        PeerProcess p = PeerProcess.java(run, List.of(), jvmArgs(run), LabConsumer.class, all.toArray(String[]::new));
        assertThat(p.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(p.describe()).isZero();
        return new Consumer(p, run);
    }

    private static final String MARKER = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));

    private static List<String> jvmArgs(Path run) {
        return List.of("-Xmx96m", "-Xlog:class+load=info:file=" + run.resolve("classes.log"),
                "-XX:+UnlockDiagnosticVMOptions", "-XX:LogClassLoadingCauseFor=io.ktls4j.CryptoInfo",
                "-Xlog:class+load+cause=info:file=" + run.resolve("cause.log"),
                "-Dlab.heapDump=" + run.resolve("consumer.hprof"), "-Dlab.marker=" + MARKER);
    }

    private static void assertNoKeyMaterial(Consumer c, Path keyLog) throws Exception {
        String classes = Files.readString(c.run().resolve("classes.log"));
        assertThat(classes).as("the class log works").contains("io.ktls4j.handshake.KtlsConnection ");
        Path cause = c.run().resolve("cause.log");
        assertThat(classes).as("classes loaded by the consumer JVM; why CryptoInfo was:\n"
                + (Files.exists(cause) ? Files.readString(cause) : "")).doesNotContain("io.ktls4j.CryptoInfo ");
        List<KeyMaterial.Secret> secrets = new ArrayList<>(KeyMaterial.fromKeyLog(keyLog));
        assertThat(secrets).as("secrets in the peer's key log").isNotEmpty();
        secrets.add(new KeyMaterial.Secret("marker", HexFormat.of().parseHex(MARKER)));
        Path dump = c.run().resolve("consumer.hprof");
        assertThat(c.proc().value("HEAPDUMP")).startsWith(dump.toString());
        assertThat(KeyMaterial.found(dump, secrets)).as("what a scan of the consumer's heap dump finds")
                .containsExactly("marker");
    }

}
