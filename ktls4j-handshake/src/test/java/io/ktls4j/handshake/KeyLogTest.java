package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import io.ktls4j.testkit.Tools;
import io.ktls4j.testkit.PeerProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SSLKEYLOGFILE output, checked against what OpenSSL logs for the same connection. */
class KeyLogTest {
    private final Closer closer = new Closer();

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void ourKeyLogMatchesOpenSsls(String version) throws Exception {
        Tools.require("openssl");
        TestPki pki = TestPki.get();
        Path theirs = pki.dir.resolve("openssl-keylog" + version + ".txt");
        Path ours = Files.createTempDirectory(pki.dir, "keylog").resolve("ktls4j-keylog.txt");
        int port = PeerProcess.freePort();
        PeerProcess server = closer.add(PeerProcess.start(pki.dir, List.of("openssl", "s_server", "-accept",
                "127.0.0.1:" + port, "-naccept", "1", "-cert", pki.ecServer.certPem().toString(), "-key",
                pki.ecServer.keyPem().toString(), version, "-keylogfile", theirs.toString(), "-rev")));
        server.awaitOutput("ACCEPT", Duration.ofSeconds(30));
        KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem).keyLogFile(ours).build();
        assertThat(ctx.toString()).contains("KEY LOG ON");
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            c.write(ByteBuffer.wrap("x\n".getBytes()));
            assertThat(OpenSslInteropTest.readLine(c)).isEqualTo("x");
        }
        List<String> mine = Files.readAllLines(ours);
        List<String> openssl = Files.readAllLines(theirs);
        if (version.equals("-tls1_3")) {
            assertThat(mine).hasSize(3);
            assertThat(mine).extracting(l -> l.split(" ")[0])
                    .containsExactly("CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET");
        } else {
            assertThat(mine).hasSize(1).first().asString().startsWith("CLIENT_RANDOM ");
        }
        assertThat(openssl).containsAll(mine);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ours))).isEqualTo("rw-------");
    }

    @Test
    void offUnlessConfiguredOrSetInTheEnvironment() throws Exception {
        Path file = TestPki.get().dir.resolve("env-keylog.txt");
        assertThat(KtlsContext.forClient().environment(java.util.Map.of()).build().keyLogFile()).isNull();
        assertThat(KtlsContext.forClient().environment(java.util.Map.of("SSLKEYLOGFILE", file.toString())).build()
                .keyLogFile()).isEqualTo(file);
        assertThat(KtlsContext.forClient().environment(java.util.Map.of("SSLKEYLOGFILE", file.toString()))
                .keyLogFromEnvironment(false).build().keyLogFile()).isNull();
    }
}
