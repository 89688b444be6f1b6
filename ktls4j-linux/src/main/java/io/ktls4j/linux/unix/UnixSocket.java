package io.ktls4j.linux.unix;

import io.ktls4j.Errno;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.internal.Descriptors;
import io.ktls4j.linux.internal.FdGuard;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Readiness;
import io.ktls4j.linux.internal.UnixSockets;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.ToIntBiFunction;

/**
 * One end of a connected {@code AF_UNIX} stream socket ({@code SOCK_STREAM}). It owns its descriptor.
 *
 * <p>{@link #send} and {@link #receive} are one {@code sendmsg}/{@code recvmsg} each and never block
 * ({@code MSG_DONTWAIT}): when no byte can move they throw {@link WouldBlockException}, and the caller waits with
 * {@link #awaitReadable}/{@link #awaitWritable}, which park a virtual thread (its carrier stays free) and make a
 * platform thread poll. Descriptors travel as one {@code SCM_RIGHTS} control message beside the bytes: the receiver
 * gets its own copies ({@code O_CLOEXEC}) and must close them.
 *
 * <p>Threads: one reader and one writer may work at once; {@link #close()} may come from any thread, wakes every
 * call waiting on this socket (they end with {@link ClosedChannelException}) and closes the descriptor once none is
 * using it, so no call ever runs on a reused descriptor number.
 */
public final class UnixSocket implements Closeable {
    private static final int[] NO_FDS = {};

    private final FdGuard guard;

    private UnixSocket(int fd) {
        this.guard = new FdGuard(fd);
    }

    /** Takes ownership of a connected {@code AF_UNIX} stream socket descriptor (from {@code accept4}). */
    static UnixSocket own(int fd) {
        return new UnixSocket(fd);
    }

    /**
     * Connects to the socket bound at {@code path} ({@code socket(AF_UNIX, SOCK_STREAM)} and {@code connect}).
     *
     * @throws ErrnoException {@code ENOENT} when nothing is at the path, {@code ECONNREFUSED} when nothing listens
     *     there, {@code EACCES} without write permission on the socket file, {@code ENAMETOOLONG} for a path of
     *     {@value UnixServerSocket#MAX_PATH_BYTES}+ bytes
     */
    public static UnixSocket connect(Path path) throws IOException {
        return new UnixSocket(openAt(path, "connect", UnixSockets::connect));
    }

    /** A new {@code AF_UNIX} stream socket and {@code call} on it with {@code path}; closed again when that fails. */
    static int openAt(Path path, String name, ToIntBiFunction<Integer, String> call) throws IOException {
        int fd = UnixSockets.socket();
        if (fd < 0) {
            throw new ErrnoException(-fd, "socket(AF_UNIX)");
        }
        int r = call.applyAsInt(fd, path.toString());
        if (r < 0) {
            Descriptors.close(fd);
            throw new ErrnoException(-r, name + "(" + path + ")");
        }
        return fd;
    }

    /** Two connected sockets ({@code socketpair(AF_UNIX, SOCK_STREAM)}), e.g. for a child or a test. */
    public static UnixSocket[] pair() throws IOException {
        int[] sv = UnixSockets.socketpair();
        if (sv.length == 1) {
            throw new ErrnoException(-sv[0], "socketpair(AF_UNIX)");
        }
        return new UnixSocket[] {new UnixSocket(sv[0]), new UnixSocket(sv[1])};
    }

    /** What one {@link #receive} brought. */
    public record Received(int bytes, int[] fds, boolean descriptorsTruncated) {
        /**
         * @param bytes bytes read, or -1 at end of stream (the peer closed or shut down its side)
         * @param fds descriptors that came with these bytes; the caller owns them and must close them
         *     ({@code io.ktls4j.linux.fd.RawDescriptors#close})
         * @param descriptorsTruncated more descriptors came than there was room for: the kernel closed the rest
         *     ({@code MSG_CTRUNC})
         */
        public Received {
            fds = fds.clone();
        }

        @Override
        public int[] fds() {
            return fds.clone();
        }
    }

    /**
     * {@code sendmsg} of {@code data[off, off + len)} with {@code fds} attached (none when empty), without blocking and
     * without {@code SIGPIPE}. The descriptors stay the caller's: the peer receives copies, with the first bytes
     * that this call sends.
     *
     * @return the bytes sent, {@code 1..len}; the caller sends the rest (without the descriptors) later
     * @throws WouldBlockException when the socket's send buffer is full (nothing was sent)
     * @throws ErrnoException e.g. {@code EPIPE} when the peer has closed
     */
    public int send(byte[] data, int off, int len, int... fds) throws IOException {
        Objects.checkFromIndexSize(off, len, data.length);
        guard.enter();
        try {
            long n = UnixSockets.send(guard.fd(), data, off, len, fds, Native.MSG_DONTWAIT);
            if (n == -Errno.EAGAIN.code()) {
                throw new WouldBlockException("sendmsg(AF_UNIX): the send buffer is full");
            }
            if (n < 0) {
                throw new ErrnoException((int) -n, "sendmsg(AF_UNIX)");
            }
            return (int) n;
        } finally {
            guard.exit();
        }
    }

    /**
     * {@code recvmsg} into {@code dst[off, off + len)} with room for {@code maxFds} descriptors, without blocking.
     *
     * @param len at least 1
     * @throws WouldBlockException when nothing has arrived
     */
    public Received receive(byte[] dst, int off, int len, int maxFds) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (len == 0) {
            throw new IllegalArgumentException("a receive needs room for at least one byte");
        }
        guard.enter();
        try {
            UnixSockets.Received r = UnixSockets.receive(guard.fd(), dst, off, len, maxFds, Native.MSG_DONTWAIT);
            if (r.bytes() == -Errno.EAGAIN.code()) {
                throw new WouldBlockException("recvmsg(AF_UNIX): nothing has arrived");
            }
            if (r.bytes() < 0) {
                throw new ErrnoException((int) -r.bytes(), "recvmsg(AF_UNIX)");
            }
            return new Received(r.bytes() == 0 ? -1 : (int) r.bytes(), r.fds(), r.controlTruncated());
        } finally {
            guard.exit();
        }
    }

    /**
     * Waits until a {@link #receive} would not block (bytes, end of stream, or an error to report) or until
     * {@code deadlineNanos} ({@link System#nanoTime()} scale).
     *
     * @return false when the deadline passed first
     * @throws ClosedChannelException when the socket is closed before or during the wait
     * @throws java.io.InterruptedIOException when a waiting virtual thread is interrupted
     */
    public boolean awaitReadable(long deadlineNanos) throws IOException {
        return await((short) (Native.POLLIN | Native.POLLRDHUP), deadlineNanos);
    }

    /** Like {@link #awaitReadable}, until a {@link #send} would not block. */
    public boolean awaitWritable(long deadlineNanos) throws IOException {
        return await(Native.POLLOUT, deadlineNanos);
    }

    private boolean await(short events, long deadlineNanos) throws IOException {
        guard.enter();
        try {
            boolean ready = Readiness.await(guard.fd(), events, deadlineNanos, guard::isOpen) != 0;
            if (!guard.isOpen()) {
                throw new AsynchronousCloseException(); // the close woke the wait (it shuts the socket down first)
            }
            return ready;
        } finally {
            guard.exit();
        }
    }

    /**
     * True when the peer has closed or shut down its side, or the connection broke ({@code POLLRDHUP},
     * {@code POLLHUP}, {@code POLLERR}), or this socket is closed; never blocks.
     */
    public boolean peerClosed() {
        try {
            guard.enter();
        } catch (ClosedChannelException e) {
            return true;
        }
        try {
            int gone = Native.POLLRDHUP | Native.POLLHUP | Native.POLLERR;
            return (Readiness.now(guard.fd(), Native.POLLRDHUP) & gone) != 0;
        } catch (IOException e) {
            return true;
        } finally {
            guard.exit();
        }
    }

    /** {@code SO_PEERCRED}: the process at the other end, as it was when it connected. */
    public PeerCredentials peerCredentials() throws IOException {
        guard.enter();
        try {
            UnixSockets.PeerCredentials c = UnixSockets.peerCredentials(guard.fd());
            if (c == null) {
                throw new ErrnoException(Errno.EINVAL.code(), "getsockopt(SO_PEERCRED)");
            }
            return new PeerCredentials(c.pid(), c.uid(), c.gid());
        } finally {
            guard.exit();
        }
    }

    /**
     * {@code SO_PEERGROUPS} (Linux 4.13): the peer's supplementary group ids when it connected, or an empty array
     * when the kernel cannot tell.
     */
    public int[] peerGroups() throws IOException {
        guard.enter();
        try {
            return UnixSockets.peerGroups(guard.fd());
        } finally {
            guard.exit();
        }
    }

    /** {@code shutdown(SHUT_WR)}: the peer reads end of stream after what was sent; this end may still receive. */
    public void shutdownOutput() throws IOException {
        guard.enter();
        try {
            int r = UnixSockets.shutdown(guard.fd(), Native.SHUT_WR);
            if (r < 0) {
                throw new ErrnoException(-r, "shutdown(SHUT_WR)");
            }
        } finally {
            guard.exit();
        }
    }

    /** False once {@link #close()} began. */
    public boolean isOpen() {
        return guard.isOpen();
    }

    /**
     * Closes the socket: wakes the calls waiting on it, waits (at most 5 s) until none uses the descriptor, closes it.
     * Idempotent.
     */
    @Override
    public void close() {
        try {
            guard.close();
        } catch (IOException impossible) {
            // closing a descriptor the guard owns reports nothing
        }
    }

    @Override
    public String toString() {
        return "UnixSocket[fd=" + guard.fd() + (guard.isOpen() ? "" : ", closed") + "]";
    }
}
