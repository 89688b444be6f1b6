package io.ktls4j.linux.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a channel's fd number valid while calls use it: every call {@link #enter}s and {@link #exit}s, and
 * {@link #close} first shuts the socket down (waking calls blocked in the kernel), waits for them to leave, and only
 * then closes the channel, so a call never runs on a reused fd number.
 */
public final class FdGuard {
    private final SocketChannel channel;
    private final int fd;
    private final AtomicInteger users = new AtomicInteger();
    private volatile boolean closing;

    public FdGuard(SocketChannel channel, int fd) {
        this.channel = channel;
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    public SocketChannel channel() {
        return channel;
    }

    /** Starts a call on the fd. */
    public void enter() throws ClosedChannelException {
        users.incrementAndGet();
        if (closing || !channel.isOpen()) {
            users.decrementAndGet();
            throw new ClosedChannelException();
        }
    }

    /** Ends a call started with {@link #enter}. */
    public void exit() {
        users.decrementAndGet();
    }

    /** Closes the channel once no call is using the fd (waiting at most 5 s for blocked calls to wake). */
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
        channel.close();
    }
}
