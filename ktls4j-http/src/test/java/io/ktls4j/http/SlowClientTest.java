package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.testkit.Patience;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardSocketOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris and friends: a client that never finishes its request head gets 408 and a closed connection after the
 * request timeout, an idle one is closed after the keep-alive timeout, one that stops reading is cut off after the
 * send timeout; other connections are served meanwhile.
 */
class SlowClientTest {
    private static final Duration REQUEST = Duration.ofMillis(600);
    private static final Duration IDLE = Duration.ofMillis(1200);
    private static final Duration SEND = Duration.ofMillis(800);

    @TempDir
    Path root;
    TestServer server;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(root.resolve("a.txt"), "a");
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("big.bin").toFile(), "rw")) {
            f.setLength(256L << 20);
        }
        server = new TestServer(root, HttpLimits.DEFAULT.withTimeouts(IDLE, REQUEST, SEND));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void clientThatNeverFinishesItsHeadersGets408AndIsClosed() throws Exception {
        try (RawClient slow = new RawClient(server.port())) {
            long t0 = System.nanoTime();
            slow.send("GET /a.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            // other clients are served while the slow one hangs
            for (int i = 0; i < 20; i++) {
                assertThat(RawClient.get(server.port(), "/a.txt").status()).isEqualTo(200);
            }
            RawClient.Response r = slow.read();
            long elapsed = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            assertThat(r.status()).isEqualTo(408);
            assertThat(slow.drainToEof()).isZero();
            assertThat(elapsed).isBetween(REQUEST.toMillis() - 50, REQUEST.toMillis() + 2000);
        }
    }

    @Test
    void clientThatDribblesOneByteAtATimeIsStillCutOff() throws Exception {
        try (RawClient slow = new RawClient(server.port())) {
            long t0 = System.nanoTime();
            String head = "GET /a.txt HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(100);
            boolean cut = false;
            for (int i = 0; i < head.length() && !cut; i++) {
                try {
                    slow.send(head.substring(i, i + 1));
                } catch (IOException e) {
                    cut = true;
                }
                Thread.sleep(50);
                cut |= !slow.socket.isOpen();
                if (Duration.ofNanos(System.nanoTime() - t0).compareTo(REQUEST.plusSeconds(2)) > 0) {
                    break;
                }
            }
            RawClient.Response r = slow.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - t0).toMillis())
                    .isLessThan(REQUEST.toMillis() + Patience.millis(2000));
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedWithoutAResponse() throws Exception {
        try (RawClient idle = new RawClient(server.port())) {
            assertThat(idle.send("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            long t0 = System.nanoTime();
            assertThat(idle.drainToEof()).isZero();
            long elapsed = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            assertThat(elapsed).isBetween(IDLE.toMillis() - 50, IDLE.toMillis() + 2000);
        }
    }

    @Test
    void clientThatStopsReadingIsCutOffAfterTheSendTimeout() throws Exception {
        try (RawClient stalled = new RawClient(server.port())) {
            stalled.socket.setOption(StandardSocketOptions.SO_RCVBUF, 16384);
            long t0 = System.nanoTime();
            stalled.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (server.served.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(server.served).hasSize(1);
            ConnectionLog.Summary s = server.served.get(0);
            assertThat(s.error()).as(s.toString()).isNotNull();
            assertThat(s.bytesOut()).isLessThan(256L << 20);
            assertThat(Duration.ofNanos(System.nanoTime() - t0).toMillis()).isGreaterThanOrEqualTo(SEND.toMillis());
            assertThat(RawClient.get(server.port(), "/a.txt").status()).isEqualTo(200);
        }
    }
}
