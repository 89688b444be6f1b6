package io.ktls4j.cli;

import io.ktls4j.http.ConnectionLog;
import io.ktls4j.http.HttpServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * How a server command ends: SIGTERM stops accepting and lets the work in progress finish within the drain time
 * ({@link HttpServer#shutdown}), a second SIGTERM or the JVM's shutdown closes everything at once. {@link #await()}
 * returns once the servers have stopped, for the command to exit 0.
 */
final class GracefulStop {
    private static final Signal TERM = new Signal("TERM");

    private final List<HttpServer> servers;
    private final Duration drain;
    private final ConnectionLog log;
    /** What each connection is finishing, singular and plural: "response", "responses". */
    private final String work;
    private final String works;
    private final AtomicBoolean draining = new AtomicBoolean();
    /** Counted down when the servers have stopped: after a drain, or by {@link #stop()}. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    GracefulStop(List<HttpServer> servers, Duration drain, ConnectionLog log, String work, String works) {
        this.servers = List.copyOf(servers);
        this.drain = drain;
        this.log = log;
        this.work = work;
        this.works = works;
    }

    /** Starts the servers, handles SIGTERM and blocks until they have stopped. */
    void run() throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "ktls-shutdown"));
        SignalHandler previous = onSigterm(s -> drain());
        try {
            for (HttpServer s : servers) {
                s.start();
            }
            for (HttpServer s : servers) {
                s.join();
            }
            stopped.await();
        } finally {
            if (previous != null) {
                Signal.handle(TERM, previous);
            }
        }
    }

    /** Installs {@code handler} for SIGTERM; returns the one it replaces, or null when the JVM keeps the signal. */
    private static SignalHandler onSigterm(SignalHandler handler) {
        try {
            return Signal.handle(TERM, handler);
        } catch (IllegalArgumentException e) {
            return null; // -Xrs, or a platform without SIGTERM: the JVM's exit and the shutdown hook stop the server
        }
    }

    /** Connections held now, by all the servers. */
    int activeConnections() {
        return servers.stream().mapToInt(HttpServer::activeConnections).sum();
    }

    /**
     * SIGTERM: stops accepting, lets the work in progress finish within the drain time, then lets {@link #run()}
     * return. A second SIGTERM while draining closes everything at once.
     */
    private void drain() {
        if (!draining.compareAndSet(false, true)) {
            stop();
            return;
        }
        int open = activeConnections();
        log.notice("SIGTERM: stopped accepting; " + (open == 0 ? "no connection open"
                : "waiting up to " + drain.toMillis() + " ms for " + connections(open) + " to finish their " + works));
        AtomicInteger cut = new AtomicInteger();
        List<Thread> drains = new ArrayList<>();
        for (HttpServer s : servers) {
            drains.add(Thread.ofVirtual().name("ktls-drain").start(() -> {
                try {
                    cut.addAndGet(s.shutdown(drain));
                } catch (InterruptedException e) {
                    stop();
                }
            }));
        }
        try {
            for (Thread t : drains) {
                t.join();
            }
            log.notice(cut.get() == 0 ? "stopped: every " + work + " finished"
                    : "stopped: " + connections(cut.get()) + " still open after the drain time closed");
        } catch (InterruptedException e) {
            stop();
        } finally {
            stopped.countDown();
        }
    }

    private static String connections(int n) {
        return n == 1 ? "1 connection" : n + " connections";
    }

    /** Stops the servers at once (the shutdown hook, a second SIGTERM, and tests). */
    void stop() {
        for (HttpServer s : servers) {
            try {
                s.close();
            } catch (IOException e) {
                // exiting anyway
            }
        }
        stopped.countDown();
    }
}
