package io.ktls4j.agent.lab;

import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.agent.TestPki;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code openssl s_server -rev} for one connection: answers each line reversed, logs the session keys. */
final class OpenSslServer implements AutoCloseable {
    final int port;
    final Path keyLog;
    private final PeerProcess proc;

    OpenSslServer(Path dir, List<String> options) throws Exception {
        this(dir, options, 1);
    }

    /** Serves {@code accepts} connections one after the other (the same ticket key for all of them). */
    OpenSslServer(Path dir, List<String> options, int accepts) throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        keyLog = dir.resolve("keylog");
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-cert", TestPki.get().certPem.toString(), "-key", TestPki.get().keyPem.toString(), "-rev",
                "-naccept", Integer.toString(accepts), "-keylogfile", keyLog.toString()));
        cmd.addAll(options);
        proc = PeerProcess.start(dir, cmd);
        proc.awaitOutput("ACCEPT", Patience.of(java.time.Duration.ofMillis(60_000)));
    }

    static final List<String> TLS13 = List.of("-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256");
    static final List<String> TLS12 = List.of("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");

    String output() {
        return proc.output();
    }

    @Override
    public void close() {
        proc.close();
    }
}
