package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.testkit.Patience;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ktls proxy --to-tls}, the client-side sidecar: plaintext in, TLS to the backend. The backend here is another
 * {@code ktls proxy} (TLS in, plain to an echo server), so the bytes go plain → TLS → plain and back.
 */
class ProxyToTlsTest {
    @TempDir
    Path tmp;

    @Test
    void plaintextInGoesOutOverTlsAndBackIntactWithHalfClose() throws Exception {
        try (ProxyBackends backends = new ProxyBackends()) {
            int echo = backends.start(ProxyBackends::echo);
            try (ProxyProcess terminator = ProxyProcess.start(tmp.resolve("terminator.err"), List.of("--state-dir",
                    tmp.resolve("state").toString(), "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + echo));
                 ProxyProcess sidecar = ProxyProcess.start(tmp.resolve("sidecar.err"), List.of("--to-tls",
                         "--cacert", tmp.resolve("state/localhost-cert.pem").toString(),
                         "--backend-servername", "localhost",
                         "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + terminator.port(0),
                         "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + echo))) {
                byte[] sent = new byte[1 << 20];
                new Random(3).nextBytes(sent);
                try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", sidecar.port(0)))) {
                    Thread writer = Thread.ofVirtual().start(() -> {
                        try {
                            c.write(ByteBuffer.wrap(sent));
                            c.shutdownOutput();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    MessageDigest got = MessageDigest.getInstance("SHA-256");
                    ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                    long total = 0;
                    for (int n = c.read(in); n >= 0; n = c.read(in)) {
                        got.update(in.array(), 0, n);
                        total += n;
                        in.clear();
                    }
                    writer.join();
                    assertThat(total).isEqualTo(sent.length);
                    assertThat(got.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(sent));
                }
                String line = awaitLine(sidecar, "backend=127.0.0.1:" + terminator.port(0));
                assertThat(line).contains(" plain ").contains("backend-tls=\"TLSv1.3 ")
                        .contains(" in=" + sent.length + " out=" + sent.length + " ")
                        .contains("end=\"closed by client and backend\"");

                // a backend that does not speak TLS: the handshake fails, the client's connection ends, the log says why
                try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", sidecar.port(1)))) {
                    assertThat(c.read(ByteBuffer.allocate(16))).isEqualTo(-1);
                }
                assertThat(awaitLine(sidecar, "end=\"backend handshake failed\""))
                        .contains("TLS handshake with the backend 127.0.0.1:" + echo + " (as localhost) failed: ")
                        .contains("--cacert").doesNotContain("Exception");
            }
        }
    }

    @Test
    void backendTrustWithoutToTlsIsAUsageError() {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "proxy", "--listen",
                "127.0.0.1:0", "--to", "127.0.0.1:1", "--cacert", "x.pem");
        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("add --to-tls");
    }

    private static String awaitLine(ProxyProcess p, String text) throws Exception {
        Patience.await(Duration.ofSeconds(20), () -> log(p).contains(text), () -> text + " in " + log(p));
        return log(p).lines().filter(l -> l.contains(text)).findFirst().orElseThrow();
    }

    private static String log(ProxyProcess p) {
        try {
            return p.log();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
