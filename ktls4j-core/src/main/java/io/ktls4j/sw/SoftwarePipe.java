package io.ktls4j.sw;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pipe in the JVM with the kernel's sizes: a ring of {@link #capacity()} bytes (64 KiB unless set; set sizes are
 * rounded up to a power of two pages, at most 1 MiB, the default {@code pipe-max-size}). The software backend's
 * {@code splice} moves bytes between it and a socket's record buffers.
 */
public final class SoftwarePipe implements KtlsPipe {
    private static final int PAGE = 4096;
    /** {@code /proc/sys/fs/pipe-max-size}'s default: the most an unprivileged process may ask for. */
    private static final int MAX_CAPACITY = 1 << 20;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private byte[] ring = new byte[DEFAULT_CAPACITY];
    private int head;
    private int count;
    private boolean closed;

    public SoftwarePipe() {
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int total = 0;
        lock.lock();
        try {
            while (src.hasRemaining()) {
                ensureOpen();
                if (count == ring.length) {
                    changed.await();
                    continue;
                }
                int tail = (head + count) % ring.length;
                int n = Math.min(src.remaining(), Math.min(ring.length - count, ring.length - tail));
                src.get(ring, tail, n);
                count += n;
                total += n;
                changed.signalAll();
            }
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("write to pipe interrupted after " + total + " bytes");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        lock.lock();
        try {
            while (true) {
                ensureOpen();
                if (!dst.hasRemaining()) {
                    return 0;
                }
                if (count > 0) {
                    return take(dst, dst.remaining());
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("read from pipe interrupted");
        } finally {
            lock.unlock();
        }
    }

    /** Moves up to {@code max} bytes into {@code dst} without waiting; the lock is held. */
    private int take(ByteBuffer dst, int max) {
        int n = Math.min(Math.min(max, dst.remaining()), count);
        int first = Math.min(n, ring.length - head);
        dst.put(ring, head, first);
        dst.put(ring, 0, n - first);
        head = (head + n) % ring.length;
        count -= n;
        if (count == 0) {
            head = 0;
        }
        changed.signalAll();
        return n;
    }

    /**
     * Waits up to {@code timeoutNanos} for the pipe to have room; true when it has. For the software backend's
     * splice into the pipe, which takes only what fits.
     */
    boolean awaitRoom(long timeoutNanos) throws IOException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (count == ring.length && left > 0) {
                ensureOpen();
                left = changed.awaitNanos(left);
            }
            ensureOpen();
            return count < ring.length;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("wait for room in the pipe interrupted");
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeoutNanos} for bytes in the pipe; true when there are some. */
    boolean awaitData(long timeoutNanos) throws IOException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (count == 0 && left > 0) {
                ensureOpen();
                left = changed.awaitNanos(left);
            }
            ensureOpen();
            return count > 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("wait for data in the pipe interrupted");
        } finally {
            lock.unlock();
        }
    }

    static long waitStep() {
        return TimeUnit.MILLISECONDS.toNanos(100);
    }

    @Override
    public int available() throws IOException {
        lock.lock();
        try {
            ensureOpen();
            return count;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int capacity() throws IOException {
        lock.lock();
        try {
            ensureOpen();
            return ring.length;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int setCapacity(int bytes) throws IOException {
        if (bytes <= 0) {
            throw new KtlsException(Errno.EINVAL, "F_SETPIPE_SZ: a pipe size must be positive, got " + bytes);
        }
        if (bytes > MAX_CAPACITY) {
            throw new KtlsException(Errno.EPERM, "F_SETPIPE_SZ: " + bytes + " bytes is more than pipe-max-size ("
                    + MAX_CAPACITY + "); ask for less");
        }
        int pages = Integer.highestOneBit(Math.max(1, (bytes + PAGE - 1) / PAGE) * 2 - 1);
        int size = pages * PAGE;
        lock.lock();
        try {
            ensureOpen();
            if (count > size) {
                throw new KtlsException(Errno.EBUSY, "F_SETPIPE_SZ: the pipe holds " + count + " bytes, more than "
                        + size + "; read them first");
            }
            byte[] next = new byte[size];
            int first = Math.min(count, ring.length - head);
            System.arraycopy(ring, head, next, 0, first);
            System.arraycopy(ring, 0, next, first, count - first);
            java.util.Arrays.fill(ring, (byte) 0);
            ring = next;
            head = 0;
            changed.signalAll();
            return size;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        lock.lock();
        try {
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            java.util.Arrays.fill(ring, (byte) 0); // plaintext passes through here
            count = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "SoftwarePipe[" + count + "/" + ring.length + "]";
    }
}
