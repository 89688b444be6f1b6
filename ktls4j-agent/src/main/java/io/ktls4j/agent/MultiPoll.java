package io.ktls4j.agent;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code poll(2)} over many descriptors at once, for the one platform thread that watches every kept session's Unix
 * connection (ktls4j-linux's facade polls one descriptor).
 */
final class MultiPoll {
    private static final long POLLFD_SIZE = 8; // struct pollfd { int fd; short events; short revents; }
    private static final MethodHandle POLL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("poll").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private MultiPoll() {
    }

    /**
     * Waits up to {@code timeoutMillis} for any of {@code fds} to report {@code events} (or an error or hang-up).
     *
     * @param revents filled with each descriptor's returned events (0 when none)
     * @return how many descriptors reported events; 0 on timeout or EINTR
     */
    static int poll(int[] fds, short events, short[] revents, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(POLLFD_SIZE * Math.max(1, fds.length), 4);
            for (int i = 0; i < fds.length; i++) {
                a.set(ValueLayout.JAVA_INT, POLLFD_SIZE * i, fds[i]);
                a.set(ValueLayout.JAVA_SHORT, POLLFD_SIZE * i + 4, events);
                a.set(ValueLayout.JAVA_SHORT, POLLFD_SIZE * i + 6, (short) 0);
            }
            int r = (int) POLL.invokeExact(a, (long) fds.length, timeoutMillis);
            for (int i = 0; i < fds.length; i++) {
                revents[i] = a.get(ValueLayout.JAVA_SHORT, POLLFD_SIZE * i + 6);
            }
            return Math.max(r, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("poll failed: " + t, t);
        }
    }
}
