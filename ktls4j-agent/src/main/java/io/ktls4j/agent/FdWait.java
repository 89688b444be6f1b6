package io.ktls4j.agent;

import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Poller;
import java.io.IOException;
import java.lang.foreign.Arena;

/**
 * Waiting for a raw descriptor with {@code poll(2)}. A platform thread blocks in {@code poll} in slices of 100 ms; a
 * virtual thread parks in ktls4j-linux's {@link Poller} (one platform thread polls for every waiter), so it never
 * pins its carrier in the kernel.
 */
final class FdWait {
    private static final int SLICE_MILLIS = 100;

    private FdWait() {
    }

    /**
     * Waits until {@code fd} reports one of {@code events} (or an error or hang-up).
     *
     * @return the revents bits, or 0 when {@code deadlineNanos} ({@link System#nanoTime()} scale) passed first
     */
    static int await(int fd, short events, long deadlineNanos) throws IOException {
        if (Poller.applies()) {
            return Poller.await(fd, events, deadlineNanos);
        }
        try (Arena arena = Arena.ofConfined()) {
            while (true) {
                long leftMillis = Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
                int r = Native.poll(arena, fd, events, (int) Math.min(leftMillis, SLICE_MILLIS));
                if (r < 0) {
                    throw Errors.generic(-r, "poll");
                }
                if (r != 0) {
                    return r;
                }
                if (System.nanoTime() - deadlineNanos >= 0) {
                    return 0;
                }
            }
        }
    }

    /** {@code poll(fd, events, 0)}: the revents bits now, 0 when none. */
    static int now(int fd, short events) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int r = Native.poll(arena, fd, events, 0);
            if (r < 0) {
                throw Errors.generic(-r, "poll");
            }
            return r;
        }
    }
}
