package io.ktls4j.sw;

import io.ktls4j.WouldBlockException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Raw byte I/O on the socket under the software record layer. Blocking follows the channel's mode; a per-call
 * {@code MSG_DONTWAIT} on a blocking channel reads only what {@code FIONREAD} says is there (through the socket
 * adaptor's {@code available()}), so it never blocks and never changes the channel's mode under a concurrent writer.
 */
final class RawIo {
    private final SocketChannel channel;
    private volatile InputStream adaptorStream;
    /** Threads in a keyless blocking read right now (they hold the channel's read lock while they wait). */
    private final java.util.concurrent.atomic.AtomicInteger rawReaders = new java.util.concurrent.atomic.AtomicInteger();

    RawIo(SocketChannel channel) {
        this.channel = channel;
    }

    SocketChannel channel() {
        return channel;
    }

    /** True when this call must not block: the channel is non-blocking or the caller passed DONTWAIT. */
    boolean nonBlocking(boolean dontWait) {
        return dontWait || !channel.isBlocking();
    }

    /**
     * Reads what is available into {@code dst}. Returns the byte count, 0 when nothing could be read without
     * blocking (only in non-blocking use), or -1 at end of stream.
     */
    int read(ByteBuffer dst, boolean dontWait) throws IOException {
        if (channel.isBlocking() && dontWait && available() <= 0) {
            return probeEmptyOrEof(dst);
        }
        return channel.read(dst);
    }

    /**
     * Reads only bytes the socket has queued already, never blocking and never probing for end of stream: 0 when
     * nothing is queued (also at end of stream, which the next blocking read reports). For a blocking read that has
     * its data and only takes more if more is there, as {@code tls_sw_recvmsg} does once it has reached its target:
     * one {@code FIONREAD}, where {@link #read} with {@code dontWait} would park the thread for a 1 ms probe.
     */
    int readQueued(ByteBuffer dst) throws IOException {
        if (!channel.isBlocking()) {
            return channel.read(dst);
        }
        return dst.hasRemaining() && available() > 0 ? channel.read(dst) : 0;
    }

    /**
     * Nothing is queued: tells "no data yet" (0) from end of stream (-1) by a 1 ms timed read through the socket
     * adaptor, whose {@code SO_TIMEOUT} does not touch the channel's own blocking mode.
     */
    private int probeEmptyOrEof(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining() || rawReaders.get() > 0) {
            return 0; // another thread is blocked reading: whatever comes is its, and waiting for its lock would block
        }
        java.net.Socket socket = channel.socket();
        int previous = socket.getSoTimeout();
        socket.setSoTimeout(1);
        try {
            int b = adaptor().read();
            if (b < 0) {
                return -1;
            }
            dst.put((byte) b);
            return 1;
        } catch (java.net.SocketTimeoutException e) {
            return 0;
        } finally {
            socket.setSoTimeout(previous);
        }
    }

    /**
     * Reads until {@code dst} is full (MSG_WAITALL) or, without it, until some bytes came. Returns the count or -1 at
     * end of stream with nothing read. Used by the keyless pass-through path, outside the record layer's lock.
     */
    int readRaw(ByteBuffer dst, boolean waitAll, boolean dontWait) throws IOException {
        boolean blocking = !nonBlocking(dontWait);
        if (blocking) {
            rawReaders.incrementAndGet();
        }
        try {
            return readRawLoop(dst, waitAll, dontWait);
        } finally {
            if (blocking) {
                rawReaders.decrementAndGet();
            }
        }
    }

    private int readRawLoop(ByteBuffer dst, boolean waitAll, boolean dontWait) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = read(dst, dontWait);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (n == 0 && nonBlocking(dontWait) || !waitAll && total > 0) {
                break;
            }
        }
        return total;
    }

    private int available() throws IOException {
        return adaptor().available();
    }

    private InputStream adaptor() throws IOException {
        InputStream in = adaptorStream;
        if (in == null) {
            in = channel.socket().getInputStream();
            adaptorStream = in;
        }
        return in;
    }

    /**
     * Writes {@code src}. In blocking use writes it all; in non-blocking use writes what the socket takes now and
     * returns the count (possibly 0).
     */
    int write(ByteBuffer src, boolean dontWait) throws IOException {
        if (!nonBlocking(dontWait)) {
            int n = 0;
            while (src.hasRemaining()) {
                n += channel.write(src);
            }
            return n;
        }
        if (channel.isBlocking()) {
            // DONTWAIT on a blocking channel: a blocking write of what fits would still block; write it whole.
            // The kernel's send buffer almost always takes one record, so this is the honest approximation.
            int n = 0;
            while (src.hasRemaining()) {
                n += channel.write(src);
            }
            return n;
        }
        return channel.write(src);
    }

    /** Writes all of {@code srcs} in blocking use; in non-blocking use what the socket takes now. */
    long write(ByteBuffer[] srcs, boolean dontWait) throws IOException {
        long n = 0;
        for (ByteBuffer b : srcs) {
            int w = write(b, dontWait);
            n += w;
            if (b.hasRemaining()) {
                break;
            }
        }
        return n;
    }

    static WouldBlockException wouldBlock(String what) {
        return new WouldBlockException(what);
    }

    /** A short wait (1 ms) before retrying a call that could not make progress on a non-blocking channel. */
    static void pause() throws java.io.InterruptedIOException {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the socket");
        }
    }
}
