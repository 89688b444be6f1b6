package io.ktls4j.linux.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

/**
 * Waiting for a socket in blocking mode when its fd is non-blocking ({@code O_NONBLOCK} is set by the JDK for
 * non-blocking channels and, permanently, once a virtual thread has used a channel) or the call was made with
 * {@code MSG_DONTWAIT} (always, on a virtual thread): {@code poll(2)} in slices of {@link #SLICE_MILLIS},
 * re-checking that the channel is still open; virtual threads park through {@link Poller} instead. A wait that {@code poll} reports ready but the
 * next call still finds empty (possible on kernels whose {@code poll} sees TCP bytes of a partial record) backs off
 * with growing sleeps instead of spinning.
 */
public final class Readiness {
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
     * Blocks until {@code events} (or an error or hang-up) are reported for the fd. A virtual thread parks through
     * {@link Poller} (its carrier stays free); a platform thread waits in {@code poll(2)} itself.
     */
    public void await(short events) throws IOException {
        if (spurious > 0) {
            sleep(Math.min(1L << Math.min(spurious, 5), 20));
        }
        if (Poller.applies()) {
            Poller.await(channel, fd, events);
            spurious++;
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            while (true) {
                if (!channel.isOpen()) {
                    throw new ClosedChannelException();
                }
                int r = Native.poll(arena, fd, events, SLICE_MILLIS);
                if (r < 0) {
                    throw Errors.generic(-r, "poll");
                }
                if (r != 0) {
                    spurious++;
                    return;
                }
                spurious = 0;
            }
        }
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
