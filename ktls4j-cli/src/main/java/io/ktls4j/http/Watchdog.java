package io.ktls4j.http;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Deadlines for blocking I/O on channels that have no timeout of their own: a timer that, unless disarmed in time,
 * runs an action (typically: answer 408 and close the channel, which wakes the blocked thread). One scheduler
 * thread serves every connection; actions run on their own virtual thread, so a slow action never delays another
 * connection's deadline.
 */
public final class Watchdog implements AutoCloseable {
    private final ScheduledThreadPoolExecutor scheduler;

    public Watchdog() {
        scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ktls-watchdog");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
    }

    /** A timer that runs {@code action} after {@code timeout} unless {@link Timer#disarm()} comes first. */
    public Timer arm(Duration timeout, Runnable action) {
        Timer t = new Timer();
        t.rearm(timeout, action);
        return t;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** One deadline. Either it fires (once) or it is disarmed; never both. */
    public final class Timer {
        private static final int ARMED = 0;
        private static final int FIRED = 1;
        private static final int DISARMED = 2;
        private final AtomicInteger state = new AtomicInteger(ARMED);
        private volatile ScheduledFuture<?> pending;

        /** Moves the deadline to {@code timeout} from now with a new action; no-op once fired or disarmed. */
        public synchronized void rearm(Duration timeout, Runnable action) {
            if (state.get() != ARMED) {
                return;
            }
            ScheduledFuture<?> old = pending;
            if (old != null) {
                old.cancel(false);
            }
            pending = scheduler.schedule(() -> {
                if (state.compareAndSet(ARMED, FIRED)) {
                    Thread.ofVirtual().name("ktls-timeout").start(action);
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** Cancels the deadline. Returns false when it has already fired (the action owns the channel now). */
        public boolean disarm() {
            if (state.compareAndSet(ARMED, DISARMED)) {
                ScheduledFuture<?> p = pending;
                if (p != null) {
                    p.cancel(false);
                }
                return true;
            }
            return state.get() == DISARMED;
        }

        public boolean fired() {
            return state.get() == FIRED;
        }
    }
}
