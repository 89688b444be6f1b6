package io.ktls4j.cli;

import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.handshake.KtlsContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ktls serve} with its default limits under floods of TCP connections that never send a byte: a normal TLS
 * client is still served within a second; a pending handshake holds one descriptor (the socket); and out of file
 * descriptors (F5) the server neither spins nor floods its log, and serves again once descriptors come back.
 */
class ServeUnderAttackTest {
    private static final Duration PATIENCE = Patience.of(Duration.ofSeconds(30));

    @TempDir
    Path tmp;
    final List<SocketChannel> idle = new ArrayList<>();

    @AfterEach
    void closeIdle() throws IOException {
        for (SocketChannel c : idle) {
            c.close();
        }
    }

    private Path www() throws IOException {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        return www;
    }

    /** 1,100 idle TCP connections from 11 addresses, more than the server holds (1,024 by default). */
    @Test
    void aFloodOfIdleTcpConnectionsDoesNotKeepANormalClientOut() throws Exception {
        try (RunningServer s = RunningServer.start(www(), tmp.resolve("state"), "--quiet")) {
            KtlsContext client = KtlsContext.forClient().trustManager(s.certificate).build();
            fetch(s, client); // a cold JVM's first handshake is not what is measured
            for (int i = 0; i < 1100; i++) {
                idle.add(connect("127.0.0." + (2 + i / 100), s.port));
            }
            await(() -> s.command.activeConnections() == 1024);
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                assertThat(fetch(s, client)).isEqualTo(200);
                // a second on an idle host, scaled by how slow this machine runs now
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("a normal client's request")
                        .isLessThan(Patience.of(Duration.ofSeconds(1)));
            }
        }
    }

    /**
     * The handshake runs on the blocking socket: no Selector per pending handshake (an epoll and an eventfd
     * descriptor each, besides the socket).
     */
    @Test
    void aPendingHandshakeHoldsNoDescriptorButItsSocket() throws Exception {
        try (RunningServer s = RunningServer.start(www(), tmp.resolve("state"), "--quiet")) {
            KtlsContext client = KtlsContext.forClient().trustManager(s.certificate).build();
            fetch(s, client);
            long before = pollerDescriptors();
            for (int i = 0; i < 100; i++) {
                idle.add(connect("127.0.0.1", s.port));
            }
            await(() -> s.command.activeConnections() == 100);
            long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < deadline) {
                assertThat(pollerDescriptors() - before).as("epoll and eventfd descriptors of 100 pending handshakes")
                        .isLessThan(10);
                Thread.sleep(20);
            }
        }
    }

    /** The epoll and eventfd descriptors of this process: what a Selector holds besides its channels. */
    private static long pollerDescriptors() throws IOException {
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.equals("anon_inode:[eventpoll]") || target.equals("anon_inode:[eventfd]")) {
                        n++;
                    }
                } catch (IOException closedMeanwhile) {
                    // gone while listing
                }
            }
        }
        return n;
    }

    /**
     * F5: {@code ktls serve} in a child JVM with 256 file descriptors and 400 idle clients, which are its first
     * connections (so the JDK's socket poller had to be ready before: initialised once descriptors are out, it fails
     * for good). While it is out of descriptors its CPU time stays low and it logs about one line a second; once the
     * clients leave, a normal client is served again.
     */
    @Test
    void outOfFileDescriptorsTheServerWaitsQuietlyAndRecovers() throws Exception {
        Tools.require("prlimit");
        try (ServeProcess p = ServeProcess.start(tmp.resolve("serve.err"), List.of("prlimit", "--nofile=256:256"),
                List.of("-Xmx256m"), List.of(www().toString(), "--port", "0", "--state-dir",
                        tmp.resolve("state").toString(), "--quiet", "--handshake-timeout", "120",
                        "--max-connections-per-ip", "4096"))) {
            Path err = p.err;
            int port = p.port;
            KtlsContext client = KtlsContext.forClient().trustManager(tmp.resolve("state/localhost-cert.pem"))
                    .build();
            for (int i = 0; i < 400; i++) {
                idle.add(connect("127.0.0.1", port));
            }
            State server = p::describe;
            await(() -> Files.readString(err).contains("Too many open files"), server);
            Thread.sleep(1000); // settling (the JIT compiles what the flood just ran): not part of the measure
            long ticks0 = cpuTicks(p.pid());
            long lines0 = noticeLines(err);
            long t0 = System.nanoTime();
            Thread.sleep(3000); // the window measured, not a wait for a condition
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = (cpuTicks(p.pid()) - ticks0) / (double) clockTicksPerSecond() / seconds;
            long lines = noticeLines(err) - lines0;
            System.out.printf("out of descriptors for %.1f s: %.0f%% of a core, %d log lines%n", seconds, cpu * 100,
                    lines);
            assertThat(cpu).as("share of a core the server used while out of descriptors; %s", server.describe())
                    .isLessThan(0.25);
            assertThat(lines).as("log lines in %.1f s: %s", seconds, Files.readString(err))
                    .isLessThanOrEqualTo((long) seconds + 2);
            for (SocketChannel c : idle) {
                c.close();
            }
            idle.clear();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            int status = -1;
            IOException lastFailure = null;
            while (status != 200 && System.nanoTime() < deadline) {
                try {
                    status = fetch(port, client);
                } catch (IOException e) {
                    lastFailure = e;
                    Thread.sleep(100);
                }
            }
            assertThat(status).as("%s; the client's last failure: %s", server.describe(), lastFailure)
                    .isEqualTo(200);
            await(() -> Files.readString(err).contains("accepting again"), server);
            assertThat(Files.readString(err)).doesNotContain("NoClassDefFoundError")
                    .doesNotContain("\tat ");
        }
    }

    private static int fetch(RunningServer s, KtlsContext client) throws IOException {
        return fetch(s.port, client);
    }

    private static int fetch(int port, KtlsContext client) throws IOException {
        try (Fetcher f = Fetcher.open(URI.create("https://localhost:" + port + "/a.txt"), client)) {
            return f.exchange("GET", null, false, Channels.newChannel(new ByteArrayOutputStream()), null).head()
                    .status();
        }
    }

    private static SocketChannel connect(String from, int port) throws IOException {
        SocketChannel c = SocketChannel.open().bind(new InetSocketAddress(from, 0));
        c.connect(new InetSocketAddress("127.0.0.1", port));
        return c;
    }

    /** utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long clockTicksPerSecond() throws Exception {
        Proc p = Proc.run(List.of("getconf", "CLK_TCK"), null, 10);
        return Long.parseLong(p.out().strip());
    }

    private static long noticeLines(Path err) throws IOException {
        return Files.readAllLines(err, StandardCharsets.UTF_8).size();
    }

    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition condition) throws Exception {
        await(condition, () -> "");
    }

    @FunctionalInterface
    interface State {
        String describe() throws Exception;
    }

    private static void await(Condition condition, State state) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE + ": " + state.describe());
            }
            Thread.sleep(10);
        }
    }
}
