package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.testkit.Patience;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection limits (nginx's {@code limit_conn} and {@code worker_connections}) and the attacks they hold, with
 * the default limits and timeouts: a client over its address's limit is closed at once; a flood of idle connections,
 * or of slowloris heads, larger than the server cannot keep a normal client out for more than a second; the server is
 * refused to newcomers only when every connection is being answered. The attackers come from other loopback
 * addresses (127.0.0.2...) than the normal client (127.0.0.1).
 */
class ConnectionLimitsTest {
    /** How long a normal client may wait for its answer during an attack. */
    private static final Duration SERVED_WITHIN = Duration.ofSeconds(1);
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path root;
    TestServer server;
    final List<RawClient> attackers = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (RawClient c : attackers) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(ConnectionLimits limits) throws IOException {
        Files.writeString(root.resolve("a.txt"), "a");
        server = new TestServer(new StaticFileHandler(root), HttpLimits.DEFAULT, limits, 2048);
    }

    @Test
    void aClientOverItsAddressLimitIsClosedAtOnceAndLoggedOnceASecond() throws Exception {
        start(new ConnectionLimits(1000, 4));
        for (int i = 0; i < 4; i++) {
            attackers.add(new RawClient("127.0.0.2", server.port()));
        }
        await(() -> server.server.activeConnections() == 4);
        long t0 = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            try (RawClient over = new RawClient("127.0.0.2", server.port())) {
                long connected = System.nanoTime();
                assertThat(readToEnd(over)).as("bytes from the server").isZero();
                assertThat(Duration.ofNanos(System.nanoTime() - connected)).isLessThan(SERVED_WITHIN);
            }
        }
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
        RawClient.Response r = RawClient.get(server.port(), "/a.txt");
        assertThat(r.status()).as("another address is served").isEqualTo(200);
        await(() -> server.notices.stream().mapToInt(ConnectionLimitsTest::refusals).sum() == 30);
        assertThat(server.notices.getFirst()).startsWith("refused a connection: over the limit of 4 connections "
                + "from 127.0.0.2");
        assertThat(server.notices).as("one line at once, then one a second at most").hasSizeBetween(2,
                (int) seconds + 3);
    }

    /** The number of refusals a notice reports. */
    private static int refusals(String notice) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^refused (\\d+) connections").matcher(notice);
        return m.find() ? Integer.parseInt(m.group(1)) : notice.startsWith("refused a connection") ? 1 : 0;
    }

    @Test
    void whenEveryConnectionIsBeingAnsweredANewcomerIsRefused() throws Exception {
        Files.writeString(root.resolve("a.txt"), "a");
        CountDownLatch answering = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        Handler slow = request -> {
            answering.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return HttpResponse.bytes(200, "text/plain", "slow".getBytes(StandardCharsets.UTF_8));
        };
        server = new TestServer(slow, HttpLimits.DEFAULT, new ConnectionLimits(2, 10), 128);
        List<RawClient> busy = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            busy.add(new RawClient(server.port()).send("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
        }
        answering.await();
        try (RawClient newcomer = new RawClient(server.port())) {
            assertThat(readToEnd(newcomer)).isZero();
        }
        release.countDown();
        for (RawClient c : busy) {
            assertThat(c.read().text()).isEqualTo("slow");
            c.close();
        }
        await(() -> !server.notices.isEmpty());
        assertThat(server.notices.getFirst()).contains("at the limit of 2 connections, all of them being answered");
    }

    /** 1,100 TCP connections that never send a byte, from 11 addresses (100 each, under the per-address limit). */
    @Test
    void aFloodOfIdleConnectionsDoesNotKeepANormalClientOut() throws Exception {
        start(ConnectionLimits.DEFAULT);
        for (int i = 0; i < 1100; i++) {
            attackers.add(new RawClient("127.0.0." + (2 + i / 100), server.port()));
        }
        await(() -> server.server.activeConnections() == ConnectionLimits.DEFAULT.maxConnections());
        for (int i = 0; i < 10; i++) {
            assertNormalClientServedWithinASecond();
        }
        // an evicted connection's summary comes from its own thread, woken by the close: poll, it may come last
        Patience.await(PATIENCE, () -> server.served.stream().anyMatch(s -> s.endReason().startsWith(
                "closed to make room")), () -> "no connection was closed to make room; served: " + server.served);
    }

    /**
     * Slowloris: 1,100 connections (more than the server holds) from 11 addresses, each sending its request head a
     * byte every 2 seconds, reconnecting when the server closes it, while a normal client asks every 100 ms.
     */
    @Test
    void slowlorisDoesNotKeepANormalClientOut() throws Exception {
        start(ConnectionLimits.DEFAULT);
        String head = "GET /a.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(1000);
        for (int i = 0; i < 1100; i++) {
            attackers.add(new RawClient("127.0.0." + (2 + i / 100), server.port()).send(head.substring(0, 1)));
        }
        AtomicBoolean attacking = new AtomicBoolean(true);
        Thread slowloris = Thread.ofPlatform().name("slowloris").start(() -> {
            int[] sent = new int[attackers.size()];
            java.util.Arrays.fill(sent, 1);
            while (attacking.get()) {
                for (int i = 0; i < attackers.size() && attacking.get(); i++) {
                    RawClient c = attackers.get(i);
                    try {
                        c.send(head.substring(sent[i], sent[i] + 1));
                        sent[i]++;
                    } catch (IOException closed) {
                        try {
                            c.close();
                            attackers.set(i, new RawClient("127.0.0." + (2 + i / 100), server.port())
                                    .send(head.substring(0, 1)));
                            sent[i] = 1;
                        } catch (IOException e) {
                            // refused: try again on the next round
                        }
                    }
                }
                sleep(Duration.ofSeconds(2));
            }
        });
        try {
            await(() -> server.server.activeConnections() == ConnectionLimits.DEFAULT.maxConnections());
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < end) {
                assertNormalClientServedWithinASecond();
                sleep(Duration.ofMillis(100));
            }
        } finally {
            attacking.set(false);
            slowloris.join();
        }
    }

    private void assertNormalClientServedWithinASecond() throws IOException {
        long t0 = System.nanoTime();
        RawClient.Response r = RawClient.get(server.port(), "/a.txt");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(r.status()).isEqualTo(200);
        assertThat(took).as("a normal client's request").isLessThan(SERVED_WITHIN);
    }

    /** Bytes the server sent before it closed (a reset counts as closed). */
    private static int readToEnd(RawClient c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1024);
        int total = 0;
        try {
            for (int n; (n = c.socket.read(b.clear())) >= 0; ) {
                total += n;
            }
        } catch (SocketException reset) {
            // closed with our bytes unread
        }
        return total;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        Patience.await(PATIENCE, condition, () -> "the condition did not hold");
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
