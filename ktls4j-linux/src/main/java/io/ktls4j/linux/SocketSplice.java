package io.ktls4j.linux;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Pipes;
import io.ktls4j.linux.internal.Readiness;
import io.ktls4j.linux.internal.SocketFd;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * {@code splice(2)} between a plain TCP {@link SocketChannel} and a {@link KernelPipe}: the other half of moving bytes
 * between a TCP socket and a kTLS socket without them entering the JVM (TCP socket → pipe →
 * {@link io.ktls4j.KtlsSocket#spliceFrom kTLS socket}, and {@link io.ktls4j.KtlsSocket#spliceTo kTLS socket} → pipe →
 * TCP socket), as {@code ktls proxy} does.
 *
 * <p>The socket's blocking mode is the channel's: on a blocking channel whose descriptor the JDK made non-blocking
 * (it does once a virtual thread has used it) an {@code EAGAIN} waits for the socket and retries, as a blocking
 * {@code read}/{@code write} would. The pipe is a blocking {@code pipe2} pipe: splicing into a full pipe, or out of an
 * empty one, waits in the kernel; callers move what they spliced in before splicing more. One thread per direction.
 */
public final class SocketSplice {
    private final SocketChannel socket;
    private final int fd;
    private final Readiness readWait;
    private final Readiness writeWait;

    private SocketSplice(SocketChannel socket, int fd) {
        this.socket = socket;
        this.fd = fd;
        this.readWait = new Readiness(socket, fd);
        this.writeWait = new Readiness(socket, fd);
    }

    /**
     * Splicing on a connected TCP channel. The descriptor is looked up once, here: do not close the channel while a
     * call is in progress on another thread (the number could be reused under the call); {@code shutdownInput} and
     * {@code shutdownOutput} wake such a call without that risk.
     *
     * @throws KtlsException EOPNOTSUPP where native calls cannot run (not Linux, no native access); ENOTCONN for a
     *     channel neither bound nor connected
     */
    public static SocketSplice of(SocketChannel socket) throws IOException {
        if (!Native.isUsable()) {
            throw new KtlsException(Errno.EOPNOTSUPP, "splice: " + Native.unavailabilityCause());
        }
        return new SocketSplice(socket, SocketFd.of(socket));
    }

    /**
     * {@code splice(socket → pipe)}: moves up to {@code len} bytes the socket has received into {@code pipe}. Waits
     * until the socket has at least one byte (blocking channel). Returns the byte count, or -1 at end of stream.
     *
     * @throws java.nio.channels.ClosedChannelException when the channel is closed
     */
    public long toPipe(KernelPipe pipe, long len) throws IOException {
        while (true) {
            ensureOpen();
            long r = Pipes.splice(fd, pipe.writeFd(), len, 0);
            if (r == -Errno.EAGAIN.code() && socket.isBlocking()) {
                readWait.await((short) (Native.POLLIN | Native.POLLRDHUP));
                continue;
            }
            if (r < 0) {
                throw Errors.generic((int) -r, "splice(TCP socket → pipe)");
            }
            readWait.progressed();
            return r == 0 ? -1 : r;
        }
    }

    /**
     * {@code splice(pipe → socket)}: sends up to {@code len} bytes that are in {@code pipe} on the socket. Waits until
     * the pipe holds at least one byte, and for room in the socket's send buffer (blocking channel). Returns the byte
     * count.
     *
     * @throws java.nio.channels.ClosedChannelException when the channel is closed
     */
    public long fromPipe(KernelPipe pipe, long len) throws IOException {
        while (true) {
            ensureOpen();
            long r = Pipes.splice(pipe.readFd(), fd, len, 0);
            if (r == -Errno.EAGAIN.code() && socket.isBlocking()) {
                writeWait.await(Native.POLLOUT);
                continue;
            }
            if (r < 0) {
                throw Errors.generic((int) -r, "splice(pipe → TCP socket)");
            }
            writeWait.progressed();
            return r;
        }
    }

    private void ensureOpen() throws java.nio.channels.ClosedChannelException {
        if (!socket.isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }
}
