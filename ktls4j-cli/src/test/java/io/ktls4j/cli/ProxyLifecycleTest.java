package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.testkit.Patience;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@code ktls proxy} ends connections on its own: SIGTERM's drain and the idle timeout. */
class ProxyLifecycleTest {
    @TempDir
    Path tmp;

    private ProxyProcess proxy(ProxyBackends backends, String... extra) throws IOException {
        int echo = backends.start(ProxyBackends::echo);
        List<String> args = new java.util.ArrayList<>(List.of("--state-dir", tmp.resolve("state").toString(),
                "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + echo));
        args.addAll(List.of(extra));
        return ProxyProcess.start(tmp.resolve("proxy.err"), args);
    }

    private KtlsConnection connect(ProxyProcess p) throws IOException {
        return KtlsContext.forClient().trustManager(tmp.resolve("state/localhost-cert.pem")).build()
                .connect(SocketChannel.open(new InetSocketAddress("127.0.0.1", p.port(0))), "localhost");
    }

    /** SIGTERM stops accepting, a stream in progress goes on to its end, then the proxy exits 0. */
    @Test
    void sigtermLetsTheStreamsInProgressEndThenExitsZero() throws Exception {
        try (ProxyBackends backends = new ProxyBackends(); ProxyProcess p = proxy(backends, "--drain-timeout=60");
             KtlsConnection c = connect(p)) {
            echo(c, "before");
            p.process.destroy(); // SIGTERM
            Patience.await(Duration.ofSeconds(10), () -> log(p).contains("SIGTERM: stopped accepting; waiting"),
                    () -> "the drain notice in " + log(p));
            echo(c, "during the drain");
            c.shutdownOutput();
            assertThat(c.read(ByteBuffer.allocate(8))).isEqualTo(-1);
            assertThat(p.process.waitFor(Patience.millis(10_000), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(p.process.exitValue()).isZero();
            assertThat(log(p)).contains("stopped: every connection finished")
                    .contains("end=\"closed by client and backend\"");
        }
    }

    /** No byte either way for the idle timeout: the proxy ends the connection with close_notify and says why. */
    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (ProxyBackends backends = new ProxyBackends(); ProxyProcess p = proxy(backends, "--idle-timeout=0.5")) {
            long t0 = System.nanoTime(); // before the handshake: the proxy's idle time starts when it ends
            KtlsConnection c = connect(p);
            assertThat(c.read(ByteBuffer.allocate(8))).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
            assertThat(c.closeNotifyReceived()).isTrue();
            Patience.await(Duration.ofSeconds(10), () -> log(p).contains("end=\"idle for 500 ms: closed by the proxy\""),
                    () -> "the idle line in " + log(p));
            c.close();
        }
    }

    private static void echo(KtlsConnection c, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        c.write(ByteBuffer.wrap(b));
        ByteBuffer back = ByteBuffer.allocate(b.length);
        while (back.hasRemaining()) {
            assertThat(c.read(back)).isNotNegative();
        }
        assertThat(back.array()).isEqualTo(b);
    }

    private static String log(ProxyProcess p) {
        try {
            return p.log();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
