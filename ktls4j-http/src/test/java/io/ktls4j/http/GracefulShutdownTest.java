package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.testkit.Patience;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HttpServer#shutdown}: stop accepting, close idle connections, let responses in progress finish. */
class GracefulShutdownTest {
    private static final int BIG = 16 << 20;

    @TempDir
    Path root;

    @BeforeEach
    void files() throws IOException {
        byte[] big = new byte[BIG];
        new Random(5).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        Files.writeString(root.resolve("a.txt"), "a");
    }

    @Test
    void aDownloadInProgressFinishesWhileIdleConnectionsAreClosedAndNoneIsAccepted() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT);
             RawClient idle = new RawClient(s.port());
             RawClient download = new RawClient(s.port())) {
            int port = s.port();
            assertThat(idle.send("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            download.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
            download.socket.read(ByteBuffer.allocate(64 << 10)); // the response is under way
            await(() -> s.server.activeConnections() == 2);

            CompletableFuture<Integer> left = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.server.shutdown(Patience.of(Duration.ofSeconds(60)));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await(() -> refused(port));
            assertThat(idle.drainToEof()).as("the idle connection is closed, nothing sent").isZero();
            assertThat(left).isNotDone();

            long rest = 0;
            ByteBuffer b = ByteBuffer.allocate(64 << 10);
            for (int n; (n = download.socket.read(b.clear())) >= 0; ) {
                rest += n;
            }
            assertThat(rest).as("the rest of the download, then the server closed").isPositive();
            assertThat(left.get()).as("connections cut at the end of the drain time").isZero();
            // the download's response began before the stop, so it went out keep-alive, and the connection was
            // closed as idle once it was done
            assertThat(answered(s)).containsOnly("closed by the server: stopping, and the connection was idle");
            ConnectionLog.Request big = s.requests.stream().filter(r -> r.requestLine().contains("big")).findFirst()
                    .orElseThrow();
            assertThat(big.bodyBytes()).isEqualTo(BIG);
        }
    }

    /** A request being answered when the stop comes gets its response, marked as the connection's last. */
    @Test
    void aResponseStartedAfterTheStopSaysConnectionClose() throws Exception {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        Handler slow = r -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return HttpResponse.bytes(200, "text/plain", "done".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        };
        try (TestServer s = new TestServer(slow, HttpLimits.DEFAULT);
             RawClient c = new RawClient(s.port())) {
            int port = s.port();
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            await(() -> s.server.activeConnections() == 1);
            CompletableFuture<Integer> left = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.server.shutdown(Patience.of(Duration.ofSeconds(60)));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await(() -> refused(port));
            go.countDown();
            RawClient.Response r = c.read();
            assertThat(r.text()).isEqualTo("done");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(left.get()).isZero();
            assertThat(answered(s)).containsExactly("closed after the response: the server is stopping");
        }
    }

    @Test
    void aResponseNotFinishedWithinTheDrainTimeIsCutAndLoggedSo() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT);
             RawClient stalled = new RawClient(s.port())) {
            stalled.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
            stalled.socket.read(ByteBuffer.allocate(1024)); // then reads no more
            await(() -> s.server.activeConnections() == 1);
            assertThat(s.server.shutdown(Duration.ofMillis(100))).isEqualTo(1);
            await(() -> !s.served.isEmpty());
            assertThat(s.served.getFirst().endReason()).isEqualTo("closed by the server: shutting down, the "
                    + "response not finished within the drain time of 100 ms");
        }
    }

    /** The end reasons of the connections that had requests (not those of the probes for {@link #refused}). */
    private static java.util.List<String> answered(TestServer s) {
        return s.served.stream().filter(c -> c.requests() > 0).map(ConnectionLog.Summary::endReason).toList();
    }

    private static boolean refused(int port) {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        Patience.await(Duration.ofSeconds(10), condition, () -> "the condition did not hold");
    }
}
