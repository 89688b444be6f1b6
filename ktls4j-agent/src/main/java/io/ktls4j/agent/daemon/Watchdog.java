package io.ktls4j.agent.daemon;

import io.ktls4j.agent.wire.FrameStream;
import java.util.function.BooleanSupplier;

/**
 * Watches one handshake from a virtual thread, every 100 ms: past the deadline, when the consumer hangs up, or when
 * the agent stops, it aborts the handshake by closing the agent's channel ({@link AdoptedSocket#abort()}), and
 * records why.
 */
final class Watchdog implements AutoCloseable {
    static final long PERIOD_MILLIS = 100;

    /** Why a handshake was aborted. */
    enum Reason { TIMEOUT, CONSUMER_GONE, SHUTTING_DOWN }

    private final Thread thread;
    private volatile boolean done;
    private volatile Reason fired;

    Watchdog(AdoptedSocket socket, long deadlineNanos, FrameStream consumer, BooleanSupplier stopping) {
        thread = Thread.ofVirtual().name("ktls-agent-watchdog").start(() -> {
            while (!done) {
                Reason r = System.nanoTime() - deadlineNanos >= 0 ? Reason.TIMEOUT
                        : consumer.peerGone() ? Reason.CONSUMER_GONE
                        : stopping.getAsBoolean() ? Reason.SHUTTING_DOWN : null;
                if (r != null) {
                    fired = r;
                    socket.abort();
                    return;
                }
                try {
                    Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Why it aborted the handshake, or null. */
    Reason fired() {
        return fired;
    }

    @Override
    public void close() {
        done = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
