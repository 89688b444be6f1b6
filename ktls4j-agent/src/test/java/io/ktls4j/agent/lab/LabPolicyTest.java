package io.ktls4j.agent.lab;

import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.agent.HandshakeRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.agent.AgentProcess;
import io.ktls4j.agent.TestPki;
import io.ktls4j.linux.KernelTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The policy on a kernel without kTLS (the lab's pass with the tls module blacklisted), agent and consumer in separate
 * processes against OpenSSL: by default the agent refuses (KTLS_UNAVAILABLE, socket untouched); a credential with
 * allow-software-return completes the handshake and returns both directions' keys, which the consumer runs in
 * ktls4j's software record layer.
 */
@Tag(LabTags.NO_TLS_MODULE)
class LabPolicyTest {
    private static Path dir;
    private static AgentProcess agent;

    @BeforeAll
    static void startAgent() throws Exception {
        if ("1".equals(System.getenv("KTLS4J_IN_LAB")) && "0".equals(System.getenv("KTLS4J_LAB_TLS_MODULE"))) {
            assertThat(KernelTls.isAvailable()).as("the lab blacklisted the tls module").isFalse();
        }
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS; these tests are for kernels without");
        dir = Files.createTempDirectory("ktls4j-agent-policy");
        Path conf = TestPki.get().config(dir, """
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                timeout-ms = %1$d
                [credential returns]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-software-return = true
                timeout-ms = %1$d
                """.formatted(Math.min(Patience.millis(60_000), HandshakeRequest.MAX_TIMEOUT_MS)));
        agent = AgentProcess.start(dir, "--config", conf.toString());
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void byDefaultTheAgentRefusesAndTheSocketIsUntouched() throws Exception {
        Path run = Files.createTempDirectory(dir, "refused");
        try (OpenSslServer server = new OpenSslServer(run, OpenSslServer.TLS13);
             PeerProcess consumer = consumer(run, "default", server.port)) {
            assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe()).isEqualTo(3);
            assertThat(consumer.value("AGENT_ERROR")).startsWith("KTLS_UNAVAILABLE UNTOUCHED")
                    .contains("allow-software-return");
        }
        agent.awaitLog("KTLS_UNAVAILABLE: the kernel has no kTLS", Patience.millis(5000));
    }

    @Test
    void allowSoftwareReturnHandsTheKeysToTheSoftwareRecordLayer() throws Exception {
        for (List<String> version : List.of(OpenSslServer.TLS13, OpenSslServer.TLS12)) {
            Path run = Files.createTempDirectory(dir, "returned");
            try (OpenSslServer server = new OpenSslServer(run, version);
                 PeerProcess consumer = consumer(run, "returns", server.port)) {
                assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe()).isZero();
                assertThat(consumer.value("SESSION")).endsWith("SOFTWARE SOFTWARE SOFTWARE SOFTWARE");
                assertThat(consumer.value("REPLY")).isEqualTo("erawtfos ni");
                assertThat(consumer.value("TICKETS")).as("NewSessionTickets openssl sent (dropped by the consumer)")
                        .isEqualTo(version == OpenSslServer.TLS13 ? "2" : "0");
            }
        }
        assertThat(agent.log()).filteredOn(l -> l.contains(" OK ") && l.contains("tx=SOFTWARE rx=SOFTWARE")).hasSize(2);
    }

    private static PeerProcess consumer(Path run, String credential, int port) throws Exception {
        return PeerProcess.java(run, List.of(), List.of("-Xmx96m", "-Dlab.credential=" + credential), LabConsumer.class,
                agent.socket().toString(), "client", "127.0.0.1", Integer.toString(port), "in software");
    }
}
