package io.ktls4j.linux.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The one wait of ktls4j-linux: until a descriptor reports {@code events} (or an error or hang-up), optionally until
 * a deadline. The kernel backend's blocking calls, {@code io.ktls4j.linux.unix} and {@code io.ktls4j.linux.fd} all
 * wait here.
 *
 * <ul>
 *   <li>A virtual thread parks in {@link Poller} (one platform thread polls every waiting descriptor), so it never
 *       pins its carrier in the kernel.</li>
 *   <li>A platform thread waits in {@code poll(2)} itself, in slices of {@link #SLICE_MILLIS}.</li>
 * </ul>
 * Between slices the wait re-checks the caller's {@code open} condition (a channel or socket closed under the waiter
 * ends the wait with {@link ClosedChannelException}) and the deadline ({@link System#nanoTime()} scale). An interrupted
 * virtual thread ends its wait with {@link InterruptedIOException}.
 *
 * <p>An instance is one call's waits on a channel's descriptor whose {@code O_NONBLOCK} is set (by the JDK for
 * non-blocking channels and, permanently, once a virtual thread has used a channel) or whose calls use
 * {@code MSG_DONTWAIT} (always, on a virtual thread). A wait that {@code poll} reports ready but the next call still
 * finds empty (possible on kernels whose {@code poll} sees TCP bytes of a partial record) backs off with growing
 * sleeps instead of spinning, until {@link #progressed()}.
 */
public final class Readiness {
    /** How often a waiting platform thread re-checks the deadline and whether the descriptor's owner is still open. */
    static final int SLICE_MILLIS = 200;

    private final SocketChannel channel;
    private final int fd;
    private int spurious;

    public Readiness(SocketChannel channel, int fd) {
        this.channel = channel;
        this.fd = fd;
    }

    /** {@code poll(fd, events, 0)}: the revents bits, 0 when not ready. */
    public static int now(int fd, short events) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int r = Native.poll(arena, fd, events, 0);
            if (r < 0) {
                throw Errors.generic(-r, "poll");
            }
            return r;
        }
    }

    /**
     * Waits until {@code fd} reports one of {@code events} (or an error or hang-up) or {@code deadlineNanos} passes.
     *
     * @param open re-checked between slices; the wait ends with {@link ClosedChannelException} once it is false
     *     (null: the caller keeps {@code fd} open)
     * @return the revents bits, or 0 when the deadline passed first
     */
    public static int await(int fd, short events, long deadlineNanos, BooleanSupplier open) throws IOException {
        return await(fd, events, true, deadlineNanos, open);
    }

    /** Waits without a deadline until {@code fd} reports one of {@code events} (or an error or hang-up). */
    public static int await(int fd, short events, BooleanSupplier open) throws IOException {
        return await(fd, events, false, 0, open);
    }

    private static int await(int fd, short events, boolean timed, long deadlineNanos, BooleanSupplier open)
            throws IOException {
        if (Poller.applies()) {
            return Poller.await(fd, events, timed, deadlineNanos, open);
        }
        while (true) {
            if (open != null && !open.getAsBoolean()) {
                throw new ClosedChannelException();
            }
            int slice = SLICE_MILLIS;
            if (timed) {
                long left = deadlineNanos - System.nanoTime();
                slice = (int) Math.min(slice, Math.max(0, TimeUnit.NANOSECONDS.toMillis(left + 999_999)));
            }
            int r;
            try (Arena arena = Arena.ofConfined()) { // per slice: each poll allocates its errno capture here
                r = Native.poll(arena, fd, events, slice);
            }
            if (r < 0) {
                throw Errors.generic(-r, "poll");
            }
            if (r != 0) {
                return r;
            }
            if (timed && System.nanoTime() - deadlineNanos >= 0) {
                return 0;
            }
        }
    }

    /**
     * Blocks until {@code events} (or an error or hang-up) are reported for the channel's fd, or the channel closes
     * ({@link ClosedChannelException}). A wait that ends within a slice counts as possibly spurious: the next one
     * backs off first, unless {@link #progressed()} came in between.
     */
    public void await(short events) throws IOException {
        if (spurious > 0) {
            sleep(Math.min(1L << Math.min(spurious, 5), 20));
        }
        long start = System.nanoTime();
        await(fd, events, channel::isOpen);
        if (System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(SLICE_MILLIS)) {
            spurious = 0; // a readiness that took a whole slice to come is news, not the same one again
        }
        spurious++;
    }

    /** The last wait led to progress: forget the back-off. */
    public void progressed() {
        spurious = 0;
    }

    private static void sleep(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the socket");
        }
    }
}
