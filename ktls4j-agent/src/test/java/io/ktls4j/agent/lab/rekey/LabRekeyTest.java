package io.ktls4j.agent.lab.rekey;

import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.PeerProcess;
import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.agent.AgentProcess;
import io.ktls4j.agent.TestPki;
import io.ktls4j.agent.lab.LabConsumer;
import io.ktls4j.linux.KernelTls;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TLS 1.3 KeyUpdates routed to the agent (protocol version 2) on a kernel that rekeys (Linux 6.14+): the agent and
 * its consumer in separate processes, both directions in the kernel, against {@code openssl s_server} sending
 * KeyUpdates ({@code k}, and {@code K} asking for one back) and answering the consumer's own. The lines on both sides
 * arrive intact, the kernel counts each rekey ({@code TlsTxRekeyOk}, {@code TlsRxRekeyOk}), the agent did them (its
 * log), and the consumer JVM still never loads {@code io.ktls4j.CryptoInfo}.
 *
 * <p>On a kernel without rekey (the lab's Debian 6.1) it skips with the probe's reason, unless
 * {@code KTLS4J_REQUIRE_REKEY=1}, which turns the skip into a failure (the lab pass on a newer kernel sets it). Its own
 * package (under {@code io.ktls4j.agent.lab}, so pass 1 runs it too) lets that pass select just this test.
 */
@Tag(LabTags.KERNEL)
@ExtendWith(KernelRequired.class)
class LabRekeyTest {
    private static Path dir;
    private static AgentProcess agent;

    @BeforeAll
    static void startAgent() throws Exception {
        if ("1".equals(System.getenv("KTLS4J_REQUIRE_REKEY")) && !KernelTls.supportsRekey()) {
            Assertions.fail("KTLS4J_REQUIRE_REKEY=1 but Linux " + KernelTls.kernelRelease() + " cannot rekey: "
                    + KernelTls.rekeyProbe());
        }
        Assumptions.assumeTrue(KernelTls.supportsRekey(), "no TLS 1.3 rekey on Linux " + KernelTls.kernelRelease()
                + " (needs 6.14): " + KernelTls.rekeyProbe());
        dir = Files.createTempDirectory("ktls4j-agent-rekey");
        Path conf = TestPki.get().config(dir, """
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                timeout-ms = 120000
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
    void keyUpdatesBothWaysGoThroughTheAgentIntoTheKernel() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TlsStatistics before = KernelTls.statistics();
        Path run = Files.createTempDirectory(dir, "client");
        try (PeerProcess server = PeerProcess.start(run, List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-naccept", "1", "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256",
                "-cert", TestPki.get().certPem.toString(), "-key", TestPki.get().keyPem.toString()))) {
            server.awaitOutput("ACCEPT", Patience.of(java.time.Duration.ofMillis(60_000)));
            try (PeerProcess consumer = PeerProcess.java(run, List.of(), List.of("-Xmx96m", "-Xlog:class+load=info:file="
                    + run.resolve("classes.log")), LabConsumer.class, agent.socket().toString(), "rekey",
                    "127.0.0.1", Integer.toString(port))) {
                server.awaitOutput("hello", Patience.of(java.time.Duration.ofMillis(300_000)));
                assertThat(consumer.value("PROTOCOL")).isEqualTo("2");
                assertThat(consumer.value("SESSION")).startsWith("TLSv1.3 TLS_AES_128_GCM_SHA256 KERNEL KERNEL");
                command(server, "k\n");
                command(server, "after-k\n");
                consumer.awaitOutput("GOT after-k", Patience.of(java.time.Duration.ofMillis(300_000)));
                command(server, "K\n");
                command(server, "after-K\n");
                consumer.awaitOutput("GOT after-K", Patience.of(java.time.Duration.ofMillis(300_000)));
                command(server, "do-update\n");
                server.awaitOutput("after-our-update", Patience.of(java.time.Duration.ofMillis(300_000)));
                command(server, "end\n");
                assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe()).isZero();
                // sent: the answer to K, then ours; received: k, K, and OpenSSL's answer to our update_requested
                assertThat(consumer.value("COUNTS")).isEqualTo("2 3 2");
                assertThat(server.output()).doesNotContain("ERROR").doesNotContain("alert");
            }
        }
        TlsStatistics after = KernelTls.statistics();
        // the agent probed rekey when it started (its log says so), before the first count
        assertThat(agent.log()).anyMatch(l -> l.contains("TLS 1.3 rekey available"));
        assertThat(after.get(TlsStat.TlsTxRekeyOk) - before.get(TlsStat.TlsTxRekeyOk)).as(after.format())
                .isEqualTo(2);
        assertThat(after.get(TlsStat.TlsRxRekeyOk) - before.get(TlsStat.TlsRxRekeyOk)).as(after.format())
                .isEqualTo(3);
        assertThat(after.get(TlsStat.TlsTxRekeyError) - before.get(TlsStat.TlsTxRekeyError)).isZero();
        assertThat(agent.log()).anyMatch(l -> l.contains("KEY_UPDATE_TX[") && l.contains("updated on the socket"));
        assertThat(agent.log()).anyMatch(l -> l.contains("PEER_KEY_UPDATE[") && l.contains("OK"));
        assertThat(Files.readString(run.resolve("classes.log"))).as("the consumer JVM's classes")
                .contains("io.ktls4j.agent.RoutedDuties ").doesNotContain("io.ktls4j.CryptoInfo ");
    }

    private static void command(PeerProcess p, String line) throws Exception {
        p.write(line);
        Thread.sleep(300); // s_server reads stdin in chunks: keep commands and data apart
    }
}
