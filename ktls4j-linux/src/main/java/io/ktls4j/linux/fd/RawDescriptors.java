package io.ktls4j.linux.fd;

import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.internal.Descriptors;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Readiness;
import io.ktls4j.linux.internal.SocketFd;
import java.io.IOException;
import java.nio.channels.NetworkChannel;

/**
 * Calls on raw file descriptors, for code that holds descriptors no JDK object owns (received over a Unix socket,
 * or found behind a channel): the descriptor of a JDK channel, {@code dup3}, the file status flags, {@code close}, and
 * waiting for readiness with a deadline. Failures are {@link ErrnoException} naming the call and the errno. The
 * caller keeps each descriptor valid for the duration of a call.
 */
public final class RawDescriptors {
    /** {@code O_NONBLOCK}, a file status flag ({@link #statusFlags}); it belongs to the open file, shared by every dup. */
    public static final int O_NONBLOCK = Descriptors.O_NONBLOCK;

    private RawDescriptors() {
    }

    /**
     * The descriptor behind a JDK channel (found through {@code /proc/self/fd} by its addresses; the JDK has no public
     * way to ask). The channel keeps owning it: never close it here.
     *
     * @throws io.ktls4j.KtlsException ENOTCONN for an unbound, unconnected channel; EINVAL when no unique descriptor
     *     matches
     */
    public static int of(NetworkChannel channel) throws IOException {
        return SocketFd.of(channel);
    }

    /**
     * {@code dup3(oldFd, newFd, O_CLOEXEC)}: {@code newFd} now refers to {@code oldFd}'s open file; what it referred to
     * before is closed atomically.
     */
    public static void dup3(int oldFd, int newFd) throws IOException {
        int r = Descriptors.dup3(oldFd, newFd);
        if (r < 0) {
            throw new ErrnoException(-r, "dup3");
        }
    }

    /** {@code fcntl(F_GETFL)}: the file status flags ({@link #O_NONBLOCK} ...). */
    public static int statusFlags(int fd) throws IOException {
        int r = Descriptors.statusFlags(fd);
        if (r < 0) {
            throw new ErrnoException(-r, "fcntl(F_GETFL)");
        }
        return r;
    }

    /** {@code fcntl(F_SETFL, flags)}: they apply to the open file, so to every process holding a copy of it. */
    public static void setStatusFlags(int fd, int flags) throws IOException {
        int r = Descriptors.setStatusFlags(fd, flags);
        if (r < 0) {
            throw new ErrnoException(-r, "fcntl(F_SETFL)");
        }
    }

    /**
     * {@code close(fd)}, for a descriptor the caller owns outright (never a channel's). Returns false when it was not
     * open (EBADF) or the kernel reported an error; either way the descriptor number is free afterwards.
     */
    public static boolean close(int fd) {
        return Descriptors.close(fd) == 0;
    }

    /**
     * Waits until {@code fd} is readable (or at end of stream, or has an error to report) or {@code deadlineNanos}
     * ({@link System#nanoTime()} scale) passes: a virtual thread parks (its carrier stays free), a platform thread
     * polls. Returns false when the deadline came first.
     */
    public static boolean awaitReadable(int fd, long deadlineNanos) throws IOException {
        return Readiness.await(fd, (short) (Native.POLLIN | Native.POLLRDHUP), deadlineNanos, null) != 0;
    }

    /** Like {@link #awaitReadable}, until {@code fd} is writable (or has an error to report). */
    public static boolean awaitWritable(int fd, long deadlineNanos) throws IOException {
        return Readiness.await(fd, Native.POLLOUT, deadlineNanos, null) != 0;
    }
}
