package io.ktls4j.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Reads request heads off a blocking channel, one at a time, within {@link HttpLimits}. Bytes after a head (a
 * pipelined next request) stay buffered for the next call. Not thread-safe: one reader per connection.
 *
 * <p>Memory: the buffer starts at {@value #INITIAL} bytes (most request heads fit), grows up to the head limit only
 * for a head that needs it, and goes back to the small size once drained, so an idle keep-alive connection holds
 * {@value #INITIAL} bytes, not the limit. The buffer is never larger than the head limit (a smaller limit makes a
 * smaller first buffer): the head limit is enforced by the buffer filling up, so a read must not bring in more.
 */
final class RequestReader {
    private final ReadableByteChannel channel;
    private final HttpLimits limits;
    static final int INITIAL = 1024;
    private final byte[] small;
    private byte[] buf;
    private int start;
    private int end;
    private long bytesRead;

    RequestReader(ReadableByteChannel channel, HttpLimits limits) {
        this.channel = channel;
        this.limits = limits;
        this.small = new byte[Math.min(INITIAL, limits.maxHeaderBytes())];
        this.buf = small;
    }

    /** Plaintext bytes read from the channel so far. */
    long bytesRead() {
        return bytesRead;
    }

    /**
     * Reads the next request head. {@code onFirstByte} runs once, when the first byte of this request is available
     * (already buffered or just read).
     *
     * @return the request, or {@code null} when the peer closed the connection before sending a byte of it
     * @throws HttpException for a head that breaks the limits or the syntax (the connection cannot go on)
     */
    HttpRequest read(Runnable onFirstByte) throws IOException, HttpException {
        int scanned = 0;
        boolean started = false;
        while (true) {
            if (!started) {
                skipLeadingEmptyLines();
                if (end > start && !(end - start == 1 && buf[start] == '\r')) {
                    started = true; // a lone CR may be the first half of an empty line: wait for what follows
                    onFirstByte.run();
                }
            }
            int headEnd = findHeadEnd(start + Math.max(0, scanned - 1));
            if (headEnd >= 0) {
                HttpRequest request = RequestHead.parse(buf, start, headEnd, limits);
                start = headEnd;
                return request;
            }
            scanned = end - start;
            checkRequestLineLength();
            if (end - start == limits.maxHeaderBytes()) {
                throw new HttpException(431, "the request head is larger than " + limits.maxHeaderBytes() + " bytes");
            }
            if (!fill()) {
                if (end > start) {
                    throw new HttpException(400, "the connection ended inside a request head");
                }
                return null;
            }
        }
    }

    /** Reads and drops {@code count} bytes of request body (buffered bytes first). */
    void discard(long count) throws IOException, HttpException {
        long left = count;
        int buffered = (int) Math.min(left, end - start);
        start += buffered;
        left -= buffered;
        ByteBuffer scratch = ByteBuffer.allocate((int) Math.min(left, 8192));
        while (left > 0) {
            scratch.clear().limit((int) Math.min(left, scratch.capacity()));
            int n = channel.read(scratch);
            if (n < 0) {
                throw new HttpException(400, "the connection ended inside a request body");
            }
            bytesRead += n;
            left -= n;
        }
    }

    /** Reads and drops input until end of stream or {@code max} bytes. */
    void discardUntilEof(long max) throws IOException, HttpException {
        start = end;
        ByteBuffer scratch = ByteBuffer.allocate(8192);
        long total = 0;
        int n;
        while (total < max && (n = channel.read(scratch.clear())) >= 0) {
            bytesRead += n;
            total += n;
        }
    }

    /**
     * RFC 9112 2.2: a server SHOULD ignore at least one empty line received before the request-line (a client may send
     * CRLF after a body). Its CR and LF may arrive in different reads: a CR alone at the end is left for the next call.
     */
    private void skipLeadingEmptyLines() {
        while (start < end && (buf[start] == '\n' || (buf[start] == '\r' && start + 1 < end && buf[start + 1] == '\n'))) {
            start += buf[start] == '\r' ? 2 : 1;
        }
    }

    /** The index just after the empty line that ends the head, or -1. Lines may end in CRLF or a bare LF. */
    private int findHeadEnd(int from) {
        for (int i = Math.max(from, start + 1); i < end; i++) {
            if (buf[i] != '\n') {
                continue;
            }
            if (buf[i - 1] == '\n') {
                return i + 1;
            }
            if (buf[i - 1] == '\r' && i - 2 >= start && buf[i - 2] == '\n') {
                return i + 1;
            }
        }
        return -1;
    }

    private void checkRequestLineLength() throws HttpException {
        int limit = Math.min(end, start + limits.maxRequestLine() + 2);
        for (int i = start; i < limit; i++) {
            if (buf[i] == '\n') {
                return;
            }
        }
        if (end - start > limits.maxRequestLine() + 1) {
            throw new HttpException(414, "the request line is longer than " + limits.maxRequestLine() + " bytes");
        }
    }

    private boolean fill() throws IOException {
        if (start == end) {
            start = 0;
            end = 0;
            buf = small; // drained: the large buffer of a large head goes back to the collector
        }
        if (end == buf.length && start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buf.length) {
            // a head larger than the buffer: grow up to the limit
            byte[] grown = new byte[Math.min(limits.maxHeaderBytes(), buf.length * 4)];
            System.arraycopy(buf, 0, grown, 0, end);
            buf = grown;
        }
        int n = channel.read(ByteBuffer.wrap(buf, end, buf.length - end));
        if (n < 0) {
            return false;
        }
        bytesRead += n;
        end += n;
        return true;
    }

    static String latin1(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
