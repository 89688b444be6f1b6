package io.ktls4j.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Raw descriptors of every kind a consumer might wrongly send, and leak checks. */
public final class TestFds {
    private TestFds() {
    }

    /** A regular file opened by the JDK, and its descriptor (found in /proc/self/fd by its unique path). */
    public record OpenFile(FileChannel channel, int fd) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    public static OpenFile file() throws IOException {
        Path p = Files.createTempFile("ktls4j-agent-not-a-socket", ".txt");
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path e : dir) {
                try {
                    if (Files.readSymbolicLink(e).equals(p)) {
                        return new OpenFile(ch, Integer.parseInt(e.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        ch.close();
        throw new IOException("the file's descriptor is not in /proc/self/fd");
    }

    /**
     * The JDK opens a few descriptors once per process on first use (the pre-close socket of its socket dispatcher,
     * the epoll instances of virtual-thread pollers); this touches them all so that counts taken afterwards compare
     * like with like.
     */
    public static void warmUp() throws Exception {
        try (var l = java.nio.channels.ServerSocketChannel.open().bind(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
             var c = java.nio.channels.SocketChannel.open(l.getLocalAddress()); var s = l.accept()) {
            Thread.ofVirtual().start(() -> {
                try {
                    c.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
                    s.read(java.nio.ByteBuffer.allocate(1));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).join();
        }
    }

    /** The targets of this process's descriptors, for a failure message. */
    public static String describeOpen() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path e : dir) {
                try {
                    sb.append(e.getFileName()).append(" -> ").append(Files.readSymbolicLink(e)).append('\n');
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return sb.toString();
    }

    /** The number of this process's descriptors that are sockets (pipes to child processes excluded). */
    public static int socketCount() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path e : dir) {
                try {
                    if (Files.readSymbolicLink(e).toString().startsWith("socket:")) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }

    /** Waits up to 5 s for this process's socket descriptors to number {@code expected}; returns the last count. */
    public static int awaitSocketCount(int expected) throws Exception {
        int n = socketCount();
        for (int i = 0; i < 250 && n != expected; i++) {
            Thread.sleep(20);
            n = socketCount();
        }
        return n;
    }

    /** The open descriptor count once it has not changed for 200 ms (earlier work may still be closing). */
    public static int settledCount() throws Exception {
        int last = openCount();
        for (int stable = 0, i = 0; stable < 10 && i < 250; i++) {
            Thread.sleep(20);
            int n = openCount();
            stable = n == last ? stable + 1 : 0;
            last = n;
        }
        return last;
    }

    /** Waits up to 5 s for this process's open descriptors to number {@code expected}; returns the last count. */
    public static int awaitOpenCount(int expected) throws Exception {
        int n = openCount();
        for (int i = 0; i < 250 && n != expected; i++) {
            Thread.sleep(20);
            n = openCount();
        }
        return n;
    }

    /** The number of this process's open descriptors (the listing's own excluded). */
    public static int openCount() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1;
        }
    }

    /** The number of open descriptors of another process. */
    public static int openCount(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }
}
