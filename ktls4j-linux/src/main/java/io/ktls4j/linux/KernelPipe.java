package io.ktls4j.linux;

import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.linux.internal.Descriptors;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Pipes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * A {@code pipe2(2)} pipe (blocking, close-on-exec): what {@link KernelKtlsSocket} splices with, so that the payload
 * moves between the socket and the pipe inside the kernel. The software backend can splice with it too, through its
 * {@link #read}/{@link #write}. Reads and writes are {@code read(2)}/{@code write(2)} and block in the kernel (on a
 * virtual thread they hold the carrier). Do not close it while another thread is in a call on it: the descriptor
 * numbers could be reused under the call.
 */
public final class KernelPipe implements KtlsPipe {
    private final int readFd;
    private final int writeFd;
    private volatile boolean closed;

    private KernelPipe(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /**
     * Opens a pipe.
     *
     * @throws KtlsException EOPNOTSUPP where the kernel backend cannot run (not Linux, no native access)
     * @throws IOException EMFILE/ENFILE as {@link ErrnoException} when the process or system is out of descriptors
     */
    public static KernelPipe open() throws IOException {
        if (!Native.isUsable()) {
            throw new KtlsException(io.ktls4j.Errno.EOPNOTSUPP, "pipe2: " + Native.unavailabilityCause());
        }
        int[] fds = Pipes.open();
        if (fds.length == 1) {
            throw Errors.pipe(-fds[0], "pipe2(O_CLOEXEC)");
        }
        return new KernelPipe(fds[0], fds[1]);
    }

    int readFd() throws ClosedChannelException {
        ensureOpen();
        return readFd;
    }

    int writeFd() throws ClosedChannelException {
        ensureOpen();
        return writeFd;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int total = 0;
        while (src.hasRemaining()) {
            long r = Pipes.write(writeFd(), src);
            if (r < 0) {
                throw Errors.pipe((int) -r, "write(pipe)");
            }
            total += (int) r;
        }
        return total;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        long r = Pipes.read(readFd(), dst);
        if (r < 0) {
            throw Errors.pipe((int) -r, "read(pipe)");
        }
        return (int) r;
    }

    @Override
    public int available() throws IOException {
        int r = Pipes.available(readFd());
        if (r < 0) {
            throw Errors.pipe(-r, "ioctl(pipe, FIONREAD)");
        }
        return r;
    }

    @Override
    public int capacity() throws IOException {
        int r = Pipes.capacity(writeFd());
        if (r < 0) {
            throw Errors.pipe(-r, "fcntl(pipe, F_GETPIPE_SZ)");
        }
        return r;
    }

    @Override
    public int setCapacity(int bytes) throws IOException {
        int r = Pipes.setCapacity(writeFd(), bytes);
        if (r < 0) {
            throw Errors.pipe(-r, "fcntl(pipe, F_SETPIPE_SZ, " + bytes + ")");
        }
        return r;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Descriptors.close(writeFd);
        Descriptors.close(readFd);
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "KernelPipe[read fd=" + readFd + ", write fd=" + writeFd + (closed ? ", closed" : "") + "]";
    }
}
