package io.ktls4j.agent.lab;

import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.PeerProcess;
import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.agent.AgentProcess;
import io.ktls4j.agent.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Access control between real users (the lab runs as root, so consumers can be started as other users with
 * setpriv): the agent's socket is 0660 with group nogroup; a consumer running as nobody/nogroup may use the credential
 * that allows gid 65534 and is denied the one that allows only the agent's uid; a consumer outside the group cannot
 * even connect.
 */
@Tag(LabTags.KERNEL_FIRST)
@ExtendWith(KernelRequired.class)
class LabAccessTest {
    private static final int NOBODY = 65534;
    private static Path dir;
    private static AgentProcess agent;

    @BeforeAll
    static void startAgent() throws Exception {
        dir = Files.createTempDirectory("ktls4j-agent-access");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = TestPki.get().config(dir, """
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                timeout-ms = %2$d
                [credential for-nogroup]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-gid = %1$d
                timeout-ms = %2$d
                """.formatted(NOBODY, Math.min(Patience.millis(60_000), HandshakeRequest.MAX_TIMEOUT_MS)));
        agent = AgentProcess.start(dir, "--config", conf.toString(), "--socket-group", "nogroup");
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void theSocketIsGroupReadableOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(agent.socket()))).isEqualTo("rw-rw----");
        assertThat(Files.getAttribute(agent.socket(), "posix:group").toString()).isEqualTo("nogroup");
    }

    @Test
    void aConsumerInTheAllowedGroupIsServed() throws Exception {
        Path run = runDir("allowed");
        try (OpenSslServer server = new OpenSslServer(run, OpenSslServer.TLS13);
             PeerProcess consumer = consumerAs(run, NOBODY, NOBODY, "for-nogroup", server.port)) {
            assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe()).isZero();
            assertThat(consumer.value("SESSION")).endsWith("KERNEL KERNEL KERNEL_SW KERNEL_SW");
            assertThat(consumer.value("REPLY")).isEqualTo("puorg eht ni");
        }
        String decision = agent.awaitLog("credential for-nogroup: allowed: gid " + NOBODY + " in allow-gid", Patience.millis(5000));
        assertThat(agent.log()).anyMatch(l -> l.contains("uid=" + NOBODY + " gid=" + NOBODY)
                && l.contains("credential=for-nogroup"));
        assertThat(decision).isNotEmpty();
    }

    @Test
    void aConsumerOffTheListIsDeniedWithItsSocketUntouched() throws Exception {
        Path run = runDir("denied");
        try (OpenSslServer server = new OpenSslServer(run, OpenSslServer.TLS13);
             PeerProcess consumer = consumerAs(run, NOBODY, NOBODY, "default", server.port)) {
            assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe()).isEqualTo(3);
            assertThat(consumer.value("AGENT_ERROR")).startsWith("DENIED UNTOUCHED")
                    .contains("uid " + NOBODY + " may not use credential default");
        }
        agent.awaitLog("credential default: denied: uid " + NOBODY + " gid " + NOBODY, Patience.millis(5000));
    }

    @Test
    void aConsumerOutsideTheSocketsGroupCannotConnect() throws Exception {
        Path run = runDir("outside");
        try (PeerProcess consumer = consumerAs(run, NOBODY, 12345, "default", 9)) {
            assertThat(consumer.waitFor(Patience.of(java.time.Duration.ofMillis(300_000)))).as(consumer.describe()).isEqualTo(4);
            assertThat(consumer.value("CONNECT_ERROR")).contains("EACCES");
        }
    }

    private static Path runDir(String name) throws Exception {
        Path run = Files.createTempDirectory(dir, name);
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxrwxrwx"));
        return run;
    }

    private static PeerProcess consumerAs(Path run, int uid, int gid, String credential, int port) throws Exception {
        return PeerProcess.java(run, List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups"),
                List.of("-Xmx96m", "-Duser.home=/tmp", "-Dlab.credential=" + credential), LabConsumer.class,
                agent.socket().toString(), "client", "127.0.0.1", Integer.toString(port), "in the group");
    }
}
