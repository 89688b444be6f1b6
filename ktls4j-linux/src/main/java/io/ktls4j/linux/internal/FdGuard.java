package io.ktls4j.linux.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a socket's fd number valid while calls use it: every call {@link #enter}s and {@link #exit}s, and
 * {@link #close} first shuts the socket down (waking calls blocked in the kernel or waiting for readiness), waits for
 * them to leave, and only then closes the channel (or, for a descriptor the guard owns, the descriptor), so a call
 * never runs on a reused fd number.
 */
public final class FdGuard {
    private final SocketChannel channel; // null: the guard owns fd itself
    private final int fd;
    private final AtomicInteger users = new AtomicInteger();
    private volatile boolean closing;

    public FdGuard(SocketChannel channel, int fd) {
        this.channel = channel;
        this.fd = fd;
    }

    /** A guard for a socket descriptor it owns outright: {@link #close()} closes {@code fd}. */
    public FdGuard(int fd) {
        this(null, fd);
    }

    public int fd() {
        return fd;
    }

    public SocketChannel channel() {
        return channel;
    }

    /** False once {@link #close()} began (or the channel was closed by other means). */
    public boolean isOpen() {
        return !closing && (channel == null || channel.isOpen());
    }

    /** Starts a call on the fd. */
    public void enter() throws ClosedChannelException {
        users.incrementAndGet();
        if (!isOpen()) {
            users.decrementAndGet();
            throw new ClosedChannelException();
        }
    }

    /** Ends a call started with {@link #enter}. */
    public void exit() {
        users.decrementAndGet();
    }

    /** Closes the channel (or the fd) once no call is using the fd (waiting at most 5 s for blocked calls to wake). */
    public void close() throws IOException {
        if (closing) {
            return;
        }
        closing = true;
        if (users.get() > 0) {
            try (Arena arena = Arena.ofConfined()) {
                Native.shutdown(arena, fd, Native.SHUT_RDWR);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (users.get() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.yield();
            }
        }
        if (channel != null) {
            channel.close();
        } else {
            try (Arena arena = Arena.ofConfined()) {
                Native.close(arena, fd);
            }
        }
    }
}
