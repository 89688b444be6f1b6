package io.ktls4j.linux.unix;

import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.internal.Descriptors;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.UnixSockets;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A listening {@code AF_UNIX} stream socket bound to a path. Binding creates the socket file; permissions and owner of
 * that file are the caller's business (set them between {@link #bind} and {@link #listen}), and so is removing it:
 * {@link #close()} leaves the file where it is.
 *
 * <pre>{@code
 * try (UnixServerSocket server = UnixServerSocket.bind(Path.of("/run/app.sock"))) {
 *     server.listen(128);
 *     try (UnixSocket peer = server.accept()) {
 *         PeerCredentials who = peer.peerCredentials();
 *     }
 * }
 * }</pre>
 */
public final class UnixServerSocket implements Closeable {
    /** The longest path {@code sockaddr_un} holds, in bytes of UTF-8 ({@code sun_path} is 108 bytes with its NUL). */
    public static final int MAX_PATH_BYTES = UnixSockets.SUN_PATH_MAX - 1;

    private final Path path;
    private final int fd;
    private final AtomicBoolean shutDown = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private UnixServerSocket(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * {@code socket(AF_UNIX, SOCK_STREAM)} and {@code bind} to {@code path}, which must not exist yet.
     *
     * @throws ErrnoException {@code EADDRINUSE} when the path exists, {@code ENAMETOOLONG} for a path longer than
     *     {@value #MAX_PATH_BYTES} bytes, {@code EACCES} without write permission on the directory
     */
    public static UnixServerSocket bind(Path path) throws IOException {
        return new UnixServerSocket(path, UnixSocket.openAt(path, "bind", UnixSockets::bind));
    }

    /** {@code listen(backlog)}: connections may arrive from now on. */
    public void listen(int backlog) throws IOException {
        int r = UnixSockets.listen(fd, backlog);
        if (r < 0) {
            throw new ErrnoException(-r, "listen(" + path + ")");
        }
    }

    /** The path the socket was bound to. */
    public Path path() {
        return path;
    }

    /**
     * {@code accept4}: the next connection. Blocks the calling thread in the kernel until one comes, so call it on a
     * platform thread; {@link #shutdown()} from another thread wakes it.
     *
     * @throws AsynchronousCloseException after {@link #shutdown()} or {@link #close()}
     * @throws ErrnoException for a failed accept, e.g. {@code EMFILE}, {@code ENFILE}, {@code ENOBUFS} or
     *     {@code ENOMEM} when the process or the system is out of descriptors or memory (the caller may retry later)
     */
    public UnixSocket accept() throws IOException {
        if (shutDown.get()) {
            throw new AsynchronousCloseException();
        }
        int c = UnixSockets.accept(fd);
        if (c < 0) {
            if (shutDown.get()) {
                throw new AsynchronousCloseException();
            }
            throw new ErrnoException(-c, "accept4(" + path + ")");
        }
        return UnixSocket.own(c);
    }

    /** Stops accepting: {@code shutdown(SHUT_RDWR)}, which wakes a thread blocked in {@link #accept()}. */
    public void shutdown() {
        if (shutDown.compareAndSet(false, true) && !closed.get()) {
            UnixSockets.shutdown(fd, Native.SHUT_RDWR);
        }
    }

    /** {@link #shutdown()}, then closes the descriptor; the socket file stays. Idempotent. */
    @Override
    public void close() {
        shutdown();
        if (closed.compareAndSet(false, true)) {
            Descriptors.close(fd);
        }
    }

    @Override
    public String toString() {
        return "UnixServerSocket[" + path + "]";
    }
}
