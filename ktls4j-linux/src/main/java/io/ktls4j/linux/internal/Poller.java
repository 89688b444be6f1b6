package io.ktls4j.linux.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits of virtual threads on a socket fd. A native {@code poll(2)} made by a virtual thread keeps its carrier (an
 * FFM downcall pins it), so a few virtual threads waiting on idle kTLS sockets would stop every other virtual thread
 * of the process. Instead, one platform thread ({@code ktls4j-poller}) polls every waiting fd plus an eventfd that
 * announces new waiters, and the waiting virtual thread parks, which frees its carrier; the JDK does the same for
 * its own sockets.
 *
 * <p>A waiter wakes when its fd reports any of its events, an error, a hang-up or {@code POLLNVAL}; it also wakes
 * every {@link #SLICE_NANOS} to re-check that the descriptor's owner is still open, and on interrupt, which ends the
 * wait with {@link InterruptedIOException} (interrupt status kept). Callers wait through {@link Readiness}.
 */
public final class Poller {
    static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private static final class Holder {
        static final Poller INSTANCE = new Poller();
    }

    private static final class Waiter {
        final int fd;
        final short events;
        final Thread thread;
        volatile int revents;
        volatile boolean cancelled;

        Waiter(int fd, short events, Thread thread) {
            this.fd = fd;
            this.events = events;
            this.thread = thread;
        }
    }

    private final ConcurrentLinkedQueue<Waiter> incoming = new ConcurrentLinkedQueue<>();
    private final int wakeFd;
    private final String unavailable;

    private Poller() {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = Native.eventfd(arena);
        }
        wakeFd = fd;
        unavailable = fd < 0 ? Errors.generic(-fd, "eventfd").getMessage() : null;
        if (fd >= 0) {
            Thread t = Thread.ofPlatform().name("ktls4j-poller").daemon(true).unstarted(this::run);
            t.start();
        }
    }

    /** Whether the caller should wait here instead of in a native {@code poll}: it is a virtual thread. */
    public static boolean applies() {
        return Thread.currentThread().isVirtual();
    }

    /**
     * Parks the calling thread until {@code events} (or an error or hang-up) are reported for {@code fd}, or, when
     * {@code timed}, until {@code deadlineNanos} ({@link System#nanoTime()} scale): the {@code revents} bits, 0 when
     * the deadline passed first. Once {@code open} (null: none) is false the wait ends with
     * {@link ClosedChannelException}.
     */
    static int await(int fd, short events, boolean timed, long deadlineNanos, BooleanSupplier open)
            throws IOException {
        return Holder.INSTANCE.park(open, fd, events, deadlineNanos, timed);
    }

    private int park(BooleanSupplier open, int fd, short events, long deadlineNanos, boolean timed)
            throws IOException {
        if (unavailable != null) {
            throw new IOException("cannot wait for the socket: " + unavailable);
        }
        Waiter w = new Waiter(fd, events, Thread.currentThread());
        incoming.add(w);
        wake();
        while (true) {
            int r = w.revents;
            if (r != 0) {
                return r;
            }
            if (open != null && !open.getAsBoolean()) {
                cancel(w);
                throw new ClosedChannelException();
            }
            if (Thread.currentThread().isInterrupted()) {
                cancel(w);
                throw new InterruptedIOException("interrupted while waiting for the socket");
            }
            long slice = SLICE_NANOS;
            if (timed) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    cancel(w);
                    return w.revents; // a readiness that raced the deadline still counts
                }
                slice = Math.min(slice, left);
            }
            LockSupport.parkNanos(this, slice);
        }
    }

    private void cancel(Waiter w) {
        w.cancelled = true;
        wake();
    }

    private void wake() {
        try (Arena arena = Arena.ofConfined()) {
            Native.eventfdSignal(arena, wakeFd);
        }
    }

    private void run() {
        List<Waiter> active = new ArrayList<>();
        Arena arena = Arena.ofConfined();
        MemorySegment fds = arena.allocate(Native.POLLFD, 64);
        long capacity = 64;
        while (true) {
            try (Arena calls = Arena.ofConfined()) { // per round: each call allocates its errno capture here
                for (Waiter w; (w = incoming.poll()) != null; ) {
                    active.add(w);
                }
                active.removeIf(w -> w.cancelled);
                long n = active.size() + 1L;
                if (n > capacity) {
                    arena.close();
                    arena = Arena.ofConfined();
                    capacity = Math.max(n, capacity * 2);
                    fds = arena.allocate(Native.POLLFD, capacity);
                }
                long size = Native.POLLFD.byteSize();
                set(fds, 0, wakeFd, Native.POLLIN);
                for (int i = 0; i < active.size(); i++) {
                    set(fds, (i + 1) * size, active.get(i).fd, active.get(i).events);
                }
                int r = Native.pollAll(calls, fds, n, -1);
                if (r < 0) {
                    // Only ENOMEM is possible with valid arguments: back off and try again.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    continue;
                }
                if (revents(fds, 0) != 0) {
                    Native.eventfdDrain(calls, wakeFd);
                }
                for (int i = active.size() - 1; i >= 0; i--) {
                    int rev = revents(fds, (i + 1) * size);
                    if (rev != 0) {
                        release(active.remove(i), rev);
                    }
                }
            } catch (RuntimeException | Error e) {
                // Never strand a waiter: let everyone retry its call (and come back if still not ready).
                active.forEach(w -> release(w, w.events));
                active.clear();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    private static void release(Waiter w, int revents) {
        w.revents = revents;
        LockSupport.unpark(w.thread);
    }

    private static void set(MemorySegment fds, long offset, int fd, short events) {
        Native.POLL_FD.set(fds, offset, fd);
        Native.POLL_EVENTS.set(fds, offset, events);
        Native.POLL_REVENTS.set(fds, offset, (short) 0);
    }

    private static int revents(MemorySegment fds, long offset) {
        return Short.toUnsignedInt((short) Native.POLL_REVENTS.get(fds, offset));
    }
}
