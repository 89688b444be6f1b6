package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * F4: a local user who can write in the served tree swaps a file, or a directory, for a symbolic link to a file
 * outside the root while requests run. Checking a path and opening it later by name let the open follow the new
 * link; opening name by name without following links makes the swap fail the request instead. Also: every file and
 * directory the server opens is closed again (the descriptors of this process come back to where they were).
 */
class SymlinkSwapTest {
    private static final String SECRET = "SECRET-OUTSIDE-THE-ROOT";
    /** Shorter than the secret: a 200 that is not this is the outside file, whole or cut to this length. */
    private static final String INSIDE = "inside";
    private static final int CLIENTS = 4;
    private static final int REQUESTS_PER_CLIENT = 2000;
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    Path root;
    TestServer server;

    @BeforeEach
    void start() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("f.txt"), SECRET);
        Files.writeString(root.resolve("x"), INSIDE);
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/f.txt"), INSIDE);
        server = new TestServer(root, HttpLimits.DEFAULT);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void aFileSwappedForALinkNeverServesTheOutsideFile() throws Exception {
        Path x = root.resolve("x");
        Path outside = tmp.resolve("outside/f.txt");
        Outcome o = underSwaps("/x", () -> {
            // rename(2) replaces the name atomically: it is always there, as a file or as a link
            Files.move(Files.createSymbolicLink(root.resolve("x.link"), outside), x, StandardCopyOption.ATOMIC_MOVE);
            Files.move(Files.writeString(root.resolve("x.file"), INSIDE), x, StandardCopyOption.ATOMIC_MOVE);
        });
        assertThat(o.leaked).as(o.toString()).hasValue(0);
        assertThat(o.other).as(o.toString()).hasValue(0);
        assertThat(o.served).as(o.toString()).hasPositiveValue();
    }

    @Test
    void aDirectorySwappedForALinkNeverServesTheOutsideFile() throws Exception {
        Path d = root.resolve("d");
        Path outside = tmp.resolve("outside");
        Outcome o = underSwaps("/d/f.txt", () -> {
            Files.move(d, root.resolve("d.real"), StandardCopyOption.ATOMIC_MOVE);
            Files.move(Files.createSymbolicLink(root.resolve("d.link"), outside), d, StandardCopyOption.ATOMIC_MOVE);
            Files.move(d, root.resolve("d.link"), StandardCopyOption.ATOMIC_MOVE);
            Files.delete(root.resolve("d.link"));
            Files.move(root.resolve("d.real"), d, StandardCopyOption.ATOMIC_MOVE);
        });
        assertThat(o.leaked).as(o.toString()).hasValue(0);
        assertThat(o.other).as(o.toString()).hasValue(0);
        assertThat(o.served).as(o.toString()).hasPositiveValue();
    }

    /**
     * What the clients got: the inside bytes, (some of) the outside bytes, 403 or 404, or anything else (another
     * status, or the connection broke).
     */
    record Outcome(AtomicInteger served, AtomicInteger leaked, AtomicInteger refused, AtomicInteger other,
                   AtomicInteger swaps) {
    }

    @FunctionalInterface
    interface Swap {
        void run() throws IOException;
    }

    private Outcome underSwaps(String target, Swap swap) throws Exception {
        Outcome o = new Outcome(new AtomicInteger(), new AtomicInteger(), new AtomicInteger(), new AtomicInteger(),
                new AtomicInteger());
        AtomicBoolean done = new AtomicBoolean();
        List<Throwable> errors = new ArrayList<>();
        Thread swapper = Thread.ofPlatform().name("swapper").start(() -> {
            try {
                while (!done.get()) {
                    swap.run();
                    o.swaps.incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                synchronized (errors) {
                    errors.add(e);
                }
            }
        });
        long deadline = System.nanoTime() + AT_MOST.toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            clients.add(Thread.ofPlatform().start(() -> {
                RawClient client = null;
                try {
                    for (int i = 0; i < REQUESTS_PER_CLIENT && System.nanoTime() < deadline; i++) {
                        if (client == null) {
                            client = new RawClient(server.port());
                        }
                        RawClient.Response r;
                        try {
                            r = client.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                        } catch (IOException e) {
                            o.other.incrementAndGet();
                            client.close();
                            client = null;
                            continue;
                        }
                        String body = r.text();
                        if (r.status() == 200 && body.equals(INSIDE)) {
                            o.served.incrementAndGet();
                        } else if (r.status() == 200 || body.contains(SECRET.substring(0, INSIDE.length()))) {
                            // the whole secret, or as many of its bytes as the inside file has
                            o.leaked.incrementAndGet();
                        } else if (r.status() == 403 || r.status() == 404) {
                            o.refused.incrementAndGet();
                        } else {
                            o.other.incrementAndGet();
                        }
                    }
                    if (client != null) {
                        client.close();
                    }
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }));
        }
        for (Thread t : clients) {
            t.join();
        }
        done.set(true);
        swapper.join();
        System.out.println("symlink swaps under " + target + ": " + o);
        assertThat(errors).isEmpty();
        assertThat(o.swaps).as("the swapper ran").hasPositiveValue();
        return o;
    }

    @Test
    void everyOpenedFileAndDirectoryIsClosedAgain() throws Exception {
        Files.write(root.resolve("big.bin"), new byte[200_000]);
        Files.createDirectories(root.resolve("site"));
        Files.writeString(root.resolve("site/index.html"), "<p>index</p>");
        Files.createSymbolicLink(root.resolve("in"), root.resolve("x"));
        Files.createSymbolicLink(root.resolve("out"), tmp.resolve("outside/f.txt"));
        List<String> requests = List.of("GET /x", "HEAD /x", "GET /big.bin", "HEAD /big.bin", "GET /in", "GET /out",
                "GET /d", "GET /d/", "GET /site/", "GET /nothing", "GET /x|Range: bytes=1-2",
                "GET /big.bin|Range: bytes=900000-", "GET /x|If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT");
        exchangeAll(requests);
        long before = openDescriptors();
        for (int i = 0; i < 50; i++) {
            exchangeAll(requests);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long now = openDescriptors();
        while (now > before && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = openDescriptors();
        }
        assertThat(now).as("descriptors of this process after %d requests", 50 * requests.size())
                .isLessThanOrEqualTo(before);
    }

    private void exchangeAll(List<String> requests) throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            for (String r : requests) {
                String[] lineAndHeader = r.split("\\|");
                String header = lineAndHeader.length > 1 ? lineAndHeader[1] + "\r\n" : "";
                c.send(lineAndHeader[0] + " HTTP/1.1\r\nHost: x\r\n" + header + "\r\n").read(r.startsWith("HEAD"));
            }
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
