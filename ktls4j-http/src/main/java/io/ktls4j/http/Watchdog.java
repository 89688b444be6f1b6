package io.ktls4j.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Deadlines for blocking I/O on channels that have no timeout of their own: a timer that, unless disarmed in time,
 * runs an action (typically: answer 408 and close the channel, which wakes the blocked thread). One sweeper thread
 * serves every connection; actions run on their own virtual thread, so a slow action never delays another
 * connection's deadline.
 *
 * <p>Arming and disarming only touch the timer and a concurrent set: no scheduler queue, no lock shared between
 * connections and no wake-up of the sweeper (which a request would otherwise pay up to three times). The sweeper
 * looks at the armed timers every {@link #TICK} and fires the expired ones, so a deadline fires at most one tick late
 * (the timeouts here are in seconds); while nothing is armed it sleeps until something is.
 */
public final class Watchdog implements AutoCloseable {
    /** How often the sweeper looks at the armed timers: the most a deadline can fire late. */
    static final Duration TICK = Duration.ofMillis(20);

    private final Set<Timer> armed = ConcurrentHashMap.newKeySet();
    private final Thread sweeper;
    private volatile boolean idle;
    private volatile boolean closed;

    public Watchdog() {
        sweeper = Thread.ofPlatform().daemon().name("ktls-watchdog").start(this::sweep);
    }

    /** A timer that runs {@code action} after {@code timeout} unless {@link Timer#disarm()} comes first. */
    public Timer arm(Duration timeout, Runnable action) {
        Timer t = new Timer();
        t.rearm(timeout, action);
        return t;
    }

    @Override
    public void close() {
        closed = true;
        armed.clear();
        LockSupport.unpark(sweeper);
    }

    private void wakeIfIdle() {
        if (idle) {
            LockSupport.unpark(sweeper);
        }
    }

    private void sweep() {
        long tick = TICK.toNanos();
        while (!closed) {
            if (armed.isEmpty()) {
                idle = true;
                if (armed.isEmpty() && !closed) {
                    LockSupport.park(this); // add() unparks: it reads idle after adding, this reads armed after setting it
                }
                idle = false;
                continue;
            }
            LockSupport.parkNanos(this, tick);
            long now = System.nanoTime();
            for (Timer t : armed) {
                Runnable action = t.expire(now);
                if (action != null) {
                    Thread.ofVirtual().name("ktls-timeout").start(action);
                }
            }
        }
    }

    /** One deadline. Either it fires (once) or it is disarmed; never both. */
    public final class Timer {
        private static final int ARMED = 0;
        private static final int FIRED = 1;
        private static final int DISARMED = 2;
        private int state = ARMED;
        private boolean added;
        private long deadline;
        private Runnable action;

        /** Moves the deadline to {@code timeout} from now with a new action; no-op once fired or disarmed. */
        public void rearm(Duration timeout, Runnable action) {
            long at = System.nanoTime() + timeout.toNanos();
            boolean first;
            synchronized (this) {
                if (state != ARMED) {
                    return;
                }
                this.deadline = at;
                this.action = action;
                first = !added;
                if (first) {
                    added = true;
                    armed.add(this);
                }
            }
            if (first) {
                wakeIfIdle();
            }
        }

        /** Cancels the deadline. Returns false when it has already fired (the action owns the channel now). */
        public boolean disarm() {
            synchronized (this) {
                if (state == FIRED) {
                    return false;
                }
                if (state == DISARMED) {
                    return true;
                }
                state = DISARMED;
                action = null;
            }
            armed.remove(this);
            return true;
        }

        public synchronized boolean fired() {
            return state == FIRED;
        }

        /** The sweeper: marks the timer fired and returns its action when the deadline has passed, else null. */
        private Runnable expire(long now) {
            Runnable a;
            synchronized (this) {
                if (state != ARMED) {
                    armed.remove(this);
                    return null;
                }
                if (now - deadline < 0) {
                    return null;
                }
                state = FIRED;
                a = action;
                action = null;
            }
            armed.remove(this);
            return a;
        }
    }

    /** For tests: the number of timers armed now. */
    int armedCount() {
        return armed.size();
    }
}
