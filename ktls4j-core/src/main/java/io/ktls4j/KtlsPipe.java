package io.ktls4j;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A pipe for {@link KtlsSocket#spliceFrom} and {@link KtlsSocket#spliceTo}: both ends in one object, opened by a
 * backend ({@link TlsBackend#openPipe()}). The kernel backend's is a {@code pipe2(2)} pipe, so that {@code splice}
 * moves the payload between the socket and the pipe inside the kernel; the software backend's is a bounded buffer in
 * the JVM with the same contract. The software backend splices with any {@code KtlsPipe}; the kernel backend only with
 * its own (EINVAL otherwise), since {@code splice(2)} needs a pipe descriptor.
 *
 * <p>NIO's {@link java.nio.channels.Pipe} is not used because its descriptors are reachable only through JDK
 * internals ({@code --add-opens}), and its size cannot be read or set.
 *
 * <p>Reads and writes block, as on a pipe opened without {@code O_NONBLOCK}. Threading: one reader and one writer
 * may use the pipe concurrently.
 */
public interface KtlsPipe extends Closeable {

    /** The default capacity of a Linux pipe: 16 pages. */
    int DEFAULT_CAPACITY = 65536;

    /**
     * {@code write(2)} into the pipe: writes all of {@code src}, waiting for room as needed. Returns the byte count.
     *
     * @throws KtlsException EPIPE when the pipe is closed
     */
    int write(ByteBuffer src) throws IOException;

    /**
     * {@code read(2)} from the pipe: waits until at least one byte is there, then reads what fits in {@code dst}.
     * Returns the byte count, 0 when {@code dst} has no room.
     */
    int read(ByteBuffer dst) throws IOException;

    /** {@code ioctl(FIONREAD)}: the bytes in the pipe now. */
    int available() throws IOException;

    /** {@code fcntl(F_GETPIPE_SZ)}: how many bytes the pipe holds at most. */
    int capacity() throws IOException;

    /**
     * {@code fcntl(F_SETPIPE_SZ)}: asks for a capacity of at least {@code bytes} and returns the one granted (the
     * kernel rounds up to a power of two pages).
     *
     * @throws KtlsException EBUSY when the pipe holds more than the new capacity, EINVAL for a size of 0 or less
     */
    int setCapacity(int bytes) throws IOException;

    /** Whether the pipe is still open. */
    boolean isOpen();

    /** Closes both ends; what is still in the pipe is discarded. */
    @Override
    void close() throws IOException;
}
