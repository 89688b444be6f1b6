package io.ktls4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Leak checks on this process's file descriptors ({@code /proc/self/fd}). A leak is more descriptors after a test
 * than before; fewer is not (the JDK or an earlier test may still have been closing one when the first count was
 * taken), and the waits poll until the count is low enough, for 5 s on an idle host scaled by {@link Patience}.
 */
public final class OpenDescriptors {
    private OpenDescriptors() {
    }

    /**
     * The JDK opens a few descriptors once per process on first use (the socket its dispatcher dup2s onto a channel
     * being closed, the epoll instances of virtual-thread pollers); this makes it open them all, so that counts taken
     * afterwards compare like with like.
     */
    public static void warmUp() throws Exception {
        try (ServerSocketChannel l = ServerSocketChannel.open().bind(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel c = SocketChannel.open(l.getLocalAddress()); SocketChannel s = l.accept();
             DatagramChannel d = DatagramChannel.open()) {
            Thread.ofVirtual().start(() -> {
                try {
                    c.write(ByteBuffer.wrap(new byte[] {1}));
                    s.read(ByteBuffer.allocate(1));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).join();
        }
    }

    /** The number of this process's open descriptors (the listing's own excluded). */
    public static int count() throws IOException {
        return count(target -> true);
    }

    /** The number of this process's descriptors that are sockets. */
    public static int sockets() throws IOException {
        return count(target -> target.startsWith("socket:"));
    }

    /** The count once it has not changed for 200 ms (earlier work may still be closing). */
    public static int settledCount() throws Exception {
        int last = count();
        for (int stable = 0, i = 0; stable < 10 && i < 250; i++) {
            Thread.sleep(20);
            int n = count();
            stable = n == last ? stable + 1 : 0;
            last = n;
        }
        return last;
    }

    /** Waits until at most {@code expected} descriptors are open; returns the last count. */
    public static int awaitAtMost(int expected) throws Exception {
        return awaitAtMost(expected, false);
    }

    /** Waits until at most {@code expected} sockets are open; returns the last count. */
    public static int awaitSocketsAtMost(int expected) throws Exception {
        return awaitAtMost(expected, true);
    }

    private static int awaitAtMost(int expected, boolean socketsOnly) throws Exception {
        long end = System.nanoTime() + Patience.millis(5000) * 1_000_000L;
        int n = socketsOnly ? sockets() : count();
        while (n > expected && System.nanoTime() < end) {
            Thread.sleep(20);
            n = socketsOnly ? sockets() : count();
        }
        return n;
    }

    /** The descriptors and their targets, for a failure message. */
    public static String describe() throws IOException {
        StringBuilder sb = new StringBuilder("open descriptors:\n");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path e : dir) {
                try {
                    sb.append(e.getFileName()).append(" -> ").append(Files.readSymbolicLink(e)).append('\n');
                } catch (IOException closedMeanwhile) {
                    // gone while listing
                }
            }
        }
        return sb.toString();
    }

    private static int count(Predicate<String> target) throws IOException {
        Path self = Path.of("/proc/self/fd");
        String listing = Files.readSymbolicLink(Path.of("/proc/self")).toString();
        int n = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(self)) {
            for (Path e : dir) {
                try {
                    String to = Files.readSymbolicLink(e).toString();
                    if (!to.equals("/proc/" + listing + "/fd") && target.test(to)) {
                        n++;
                    }
                } catch (IOException closedMeanwhile) {
                    // gone while listing
                }
            }
        }
        return n;
    }
}
