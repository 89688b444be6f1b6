package io.ktls4j.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The plaintext a channel received, as a blocking {@link InputStream} for the test thread. Holds at most about
 * {@link #HIGH} bytes: above that the channel's auto-read is turned off until the test has read below {@link #LOW}
 * (which also exercises the handler's manual-read path).
 */
public final class Inbox extends InputStream {
    public static final int HIGH = 4 << 20;
    public static final int LOW = 1 << 20;

    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private final long timeoutNanos;
    private Channel channel;
    private byte[] head;
    private int headPos;
    private long buffered;
    private boolean ended;
    private long total;

    public Inbox(long timeoutSeconds) {
        this.timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
    }

    /** Called on the event loop for each plaintext buffer (copied; not released here). */
    public synchronized void add(Channel ch, ByteBuf buf) {
        channel = ch;
        byte[] b = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), b);
        chunks.add(b);
        buffered += b.length;
        total += b.length;
        if (buffered > HIGH) {
            ch.config().setAutoRead(false);
        }
        notifyAll();
    }

    /** The input ended (close_notify, input shutdown or the channel closed). */
    public synchronized void end() {
        ended = true;
        notifyAll();
    }

    public synchronized long total() {
        return total;
    }

    public synchronized boolean ended() {
        return ended;
    }

    @Override
    public synchronized int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (head == null) {
            head = chunks.poll();
            headPos = 0;
            if (head != null) {
                break;
            }
            if (ended) {
                return -1;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new InterruptedIOException("no plaintext within " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos)
                        + " s (" + total + " bytes received so far)");
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }
        int n = Math.min(len, head.length - headPos);
        System.arraycopy(head, headPos, b, off, n);
        headPos += n;
        buffered -= n;
        if (headPos == head.length) {
            head = null;
        }
        if (buffered < LOW && channel != null && !channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
        return n;
    }

    /** Reads exactly {@code n} bytes. */
    public byte[] readExactly(int n) throws IOException {
        byte[] b = new byte[n];
        for (int got = 0; got < n;) {
            int r = read(b, got, n - got);
            if (r < 0) {
                throw new EOFException("input ended after " + got + " of " + n + " bytes");
            }
            got += r;
        }
        return b;
    }

    /** Reads up to and including the next '\n'; the line without it. */
    public String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = read()) != '\n';) {
            if (c < 0) {
                throw new EOFException("input ended in a line: \"" + sb + "\"");
            }
            sb.append((char) c);
        }
        return sb.toString();
    }
}
