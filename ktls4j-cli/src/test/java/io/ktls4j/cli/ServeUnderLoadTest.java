package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.http.HttpClientConnection;
import io.ktls4j.http.HttpHeaders;
import io.ktls4j.http.ResponseHead;
import io.ktls4j.testkit.Patience;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ktls serve} (software backend, a child JVM with {@code ./ktls serve}'s JVM options) under many connections:
 * thousands of TLS connections held open while a normal client is served, and tens of thousands of short ones in
 * churn without descriptor or memory growth. The counts scale with system properties: the defaults keep the module's
 * test run short; docs/RELIABILITY.md ("Load") has the full run and its figures.
 */
class ServeUnderLoadTest {
    /** TLS connections held open at once (the full figure: 10,000). */
    static final int HELD = Integer.getInteger("ktls4j.load.held", 1_000);
    /** Short connections in churn (the full figure: 20,000). */
    static final int CHURN = Integer.getInteger("ktls4j.load.churn", 1_000);
    /** Source addresses the clients connect from (127.0.0.2 ...): each has its own ephemeral ports. */
    private static final int ADDRESSES = 16;
    private static final long MIB = 1024;

    @TempDir
    Path tmp;

    private ServeProcess serve() throws IOException {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        int limit = Math.max(HELD, 1000) + 100;
        return ServeProcess.start(tmp.resolve("serve.err"), List.of(), ServeProcess.launcherOptions(),
                List.of(www.toString(), "--port", "0", "--state-dir", tmp.resolve("state").toString(), "--backend",
                        "software", "--quiet", "--keepalive-timeout", "600", "--handshake-timeout", "600",
                        "--max-connections", String.valueOf(limit), "--max-connections-per-ip",
                        String.valueOf(limit)));
    }

    private KtlsContext client() throws IOException {
        return KtlsContext.forClient().trustManager(tmp.resolve("state/localhost-cert.pem")).build();
    }

    /**
     * {@link #HELD} TLS connections, each through its handshake and then idle, held open together: a fresh client
     * (connect, handshake, GET, close) is served within a second on an idle host (scaled by {@link Patience}), and
     * the server's resident size stays under 512 MiB.
     */
    @Test
    void thousandsOfOpenTlsConnectionsLeaveRoomForANormalClient() throws Exception {
        assertThat(openFilesLimit()).as("this JVM's descriptor limit (/proc/self/limits) for %d connections: raise"
                + " it (ulimit -n) or lower -Dktls4j.load.held", HELD).isGreaterThan(HELD + 200L);
        List<KtlsConnection> held = Collections.synchronizedList(new ArrayList<>());
        try (ServeProcess s = serve()) {
            KtlsContext client = client();
            fetch(s.port, client); // a cold JVM's first handshake is not what is measured
            long rss0 = s.rssKib();
            long t0 = System.nanoTime();
            runAll(HELD, i -> held.add(client.connect(connect(i, s.port), "localhost")));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(held).as("%s", s.describe()).hasSize(HELD);
            long worst = 0;
            for (int i = 0; i < 5; i++) {
                long f0 = System.nanoTime();
                assertThat(fetch(s.port, client)).isEqualTo(200);
                worst = Math.max(worst, System.nanoTime() - f0);
            }
            long rss = s.rssKib();
            System.out.printf("%d TLS connections held (established in %.1f s); a fresh client served in at most"
                    + " %d ms; server RSS %d -> %d MiB (%d KiB per connection)%n", HELD, seconds, worst / 1_000_000,
                    rss0 / MIB, rss / MIB, (rss - rss0) / HELD);
            assertThat(Duration.ofNanos(worst)).as("a fresh client's request among %d open connections", HELD)
                    .isLessThan(Patience.of(Duration.ofSeconds(1)));
            assertThat(rss).as("server RSS (KiB) with %d connections open; %s", HELD, s.describe())
                    .isLessThan(512 * MIB);
        } finally {
            for (KtlsConnection c : held) {
                c.socketChannel().close();
            }
        }
    }

    /**
     * {@link #CHURN} connections, each a handshake (resumed after the first), one GET and a close: afterwards the
     * server holds the descriptors it held before, and its resident size comes back to within 64 MiB of what it
     * was after a first warm-up round (the JIT's code and the heap's live set are not growth).
     */
    @Test
    void churnLeavesNoDescriptorsOrMemoryBehind() throws Exception {
        try (ServeProcess s = serve()) {
            KtlsContext client = client();
            runAll(Math.min(CHURN, 200), i -> fetch(connect(i, s.port), client)); // warm-up: JIT, pools, caches
            long fds0 = settled(s::openDescriptors);
            long rss0 = s.rssKib();
            long t0 = System.nanoTime();
            runAll(CHURN, i -> assertThat(fetch(connect(i, s.port), client)).isEqualTo(200));
            double seconds = (System.nanoTime() - t0) / 1e9;
            long rssPeak = s.rssKib();
            long fds = awaitAtMost(s::openDescriptors, fds0);
            long rss = awaitAtMost(s::rssKib, rss0 + 64 * MIB);
            System.out.printf("%d short connections in %.1f s; server descriptors %d -> %d; RSS %d MiB -> %d MiB"
                    + " at the end -> %d MiB settled%n", CHURN, seconds, fds0, fds, rss0 / MIB, rssPeak / MIB,
                    rss / MIB);
            assertThat(fds).as("server descriptors after %d connections; %s", CHURN, s.describe())
                    .isLessThanOrEqualTo(fds0);
            assertThat(rss).as("server RSS (KiB) after %d connections, before them %d KiB; %s", CHURN, rss0,
                    s.describe()).isLessThanOrEqualTo(rss0 + 64 * MIB);
        }
    }

    /** The soft limit on open files (the JVM raised it to the hard limit at start); the server inherits it. */
    static long openFilesLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        throw new IOException("no \"Max open files\" in /proc/self/limits");
    }

    @FunctionalInterface
    interface Connection {
        void open(int i) throws Exception;
    }

    /** Runs {@code n} connections on 4 threads (two per core: the server needs the rest); the first failure fails. */
    static void runAll(int n, Connection c) throws Exception {
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        c.open(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        }
    }

    @FunctionalInterface
    interface Gauge {
        long read() throws IOException;
    }

    /** The gauge once it has not changed for 200 ms. */
    static long settled(Gauge g) throws Exception {
        long last = g.read();
        for (int stable = 0, i = 0; stable < 10 && i < 250; i++) {
            Thread.sleep(20);
            long n = g.read();
            stable = n == last ? stable + 1 : 0;
            last = n;
        }
        return last;
    }

    /**
     * The gauge once it has not changed for {@code quiet} (at most ten times that, scaled by {@link Patience}): for
     * a resident size, long enough for the server's periodic collection and trim (bin/serve.jvm-options) to have run.
     */
    static long settled(Gauge g, Duration quiet) throws Exception {
        long deadline = System.nanoTime() + Patience.of(quiet.multipliedBy(10)).toNanos();
        long last = g.read();
        long since = System.nanoTime();
        while (System.nanoTime() - since < quiet.toNanos() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            long n = g.read();
            if (n != last) {
                last = n;
                since = System.nanoTime();
            }
        }
        return last;
    }

    /** Polls until the gauge reads at most {@code bound} (20 s on an idle host, scaled); returns the last reading. */
    static long awaitAtMost(Gauge g, long bound) throws Exception {
        long deadline = System.nanoTime() + Patience.of(Duration.ofSeconds(20)).toNanos();
        long n = g.read();
        while (n > bound && System.nanoTime() < deadline) {
            Thread.sleep(50);
            n = g.read();
        }
        return n;
    }

    /** Connects from 127.0.0.(2 + i % 16), so that the connections do not run out of one address's ports. */
    static SocketChannel connect(int i, int port) throws IOException {
        SocketChannel c = SocketChannel.open();
        try {
            c.bind(new InetSocketAddress("127.0.0." + (2 + i % ADDRESSES), 0));
            c.connect(new InetSocketAddress("127.0.0.1", port));
            return c;
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    static int fetch(int port, KtlsContext client) throws IOException {
        return fetch(port, client, "/a.txt");
    }

    static int fetch(int port, KtlsContext client, String path) throws IOException {
        try (Fetcher f = Fetcher.open(URI.create("https://localhost:" + port + path), client)) {
            return status(f);
        }
    }

    private static int fetch(SocketChannel socket, KtlsContext client) throws IOException {
        try (socket; KtlsConnection tls = client.connect(socket, "localhost")) {
            HttpClientConnection http = new HttpClientConnection(tls);
            HttpHeaders h = new HttpHeaders();
            h.set("Connection", "close");
            http.send("GET", "/a.txt", "localhost", h);
            ResponseHead head = http.readHead();
            http.readBody(head, false, Channels.newChannel(new ByteArrayOutputStream()), null);
            return head.status();
        }
    }

    private static int status(Fetcher f) throws IOException {
        return f.exchange("GET", null, false, Channels.newChannel(new ByteArrayOutputStream()), null).head()
                .status();
    }
}
