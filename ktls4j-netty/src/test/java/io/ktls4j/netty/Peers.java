package io.ktls4j.netty;

import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Shared pieces of the interop tests: one event loop group per transport, and waiting for external peers. */
public final class Peers {
    public static final Duration WAIT = Duration.ofSeconds(Peer.WAIT_SECONDS);
    private static final Map<Transport, EventLoopGroup> GROUPS = new EnumMap<>(Transport.class);

    private Peers() {
    }

    /** A two-thread group per transport, shared by the test classes and shut down when the JVM ends. */
    public static synchronized EventLoopGroup group(Transport t) {
        return GROUPS.computeIfAbsent(t, k -> {
            EventLoopGroup g = k.group(2);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> g.shutdownGracefully(0, 0, TimeUnit.SECONDS)));
            return g;
        });
    }

    /** Waits until something listens on the loopback port, without connecting to it (s_server accepts once). */
    public static void awaitPort(int port) throws Exception {
        String hex = String.format(":%04X ", port);
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (String f : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
                for (String line : Files.readAllLines(Path.of(f))) {
                    String[] parts = line.trim().split("\\s+");
                    if (parts.length > 3 && (parts[1] + " ").endsWith(hex) && parts[3].equals("0A")) {
                        return;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing listens on port " + port);
    }

}
