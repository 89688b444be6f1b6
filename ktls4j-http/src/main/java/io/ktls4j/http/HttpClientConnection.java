package io.ktls4j.http;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;

/**
 * The client side of HTTP/1.1 on a blocking channel: writes a request, reads the response head and its body, framed
 * by Content-Length, chunked transfer coding or the end of the connection. Several exchanges may follow each other on
 * one connection (keep-alive).
 */
public final class HttpClientConnection {
    /** The largest response head accepted. */
    public static final int MAX_HEAD = 65536;

    private final ByteChannel channel;
    private final byte[] buf = new byte[MAX_HEAD];
    private int start;
    private int end;

    public HttpClientConnection(ByteChannel channel) {
        this.channel = channel;
    }

    /** Sends {@code method target HTTP/1.1} with Host, User-Agent and the given extra header fields. */
    public void send(String method, String target, String host, HttpHeaders extra) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(host)
                .append("\r\nUser-Agent: ktls4j\r\n");
        if (extra != null) {
            sb.append(extra);
        }
        sb.append("\r\n");
        ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Reads the next final response head (interim 1xx responses are skipped). */
    public ResponseHead readHead() throws IOException {
        while (true) {
            ResponseHead h = readOneHead();
            if (h.status() >= 200 || h.status() == 101) {
                return h;
            }
        }
    }

    private ResponseHead readOneHead() throws IOException {
        int scanned = 0;
        while (true) {
            int headEnd = findHeadEnd(start + Math.max(0, scanned - 2));
            if (headEnd >= 0) {
                String[] lines = new String(buf, start, headEnd - start, StandardCharsets.ISO_8859_1).split("\r?\n");
                start = headEnd;
                HttpHeaders headers = new HttpHeaders();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon <= 0) {
                        throw new IOException("malformed response header line");
                    }
                    headers.add(lines[i].substring(0, colon).strip(), lines[i].substring(colon + 1).strip());
                }
                // a head of empty lines only splits into no lines at all: no status line
                return parseStatus(lines.length == 0 ? "" : lines[0], headers);
            }
            scanned = end - start;
            if (!fill()) {
                throw new EOFException(scanned == 0 ? "the server closed the connection without a response"
                        : "the connection ended inside a response head");
            }
        }
    }

    private int findHeadEnd(int from) {
        for (int i = Math.max(from, start + 1); i < end; i++) {
            if (buf[i] == '\n' && (buf[i - 1] == '\n'
                    || (buf[i - 1] == '\r' && i - 2 >= start && buf[i - 2] == '\n'))) {
                return i + 1;
            }
        }
        return -1;
    }

    /** {@code HTTP/1.x SP 3DIGIT [SP reason]} (RFC 9112 4), x a digit; nothing looser. */
    private static ResponseHead parseStatus(String line, HttpHeaders headers) throws IOException {
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || !isDigit(line.charAt(7)) || line.charAt(8) != ' '
                || (line.length() > 12 && line.charAt(12) != ' ')) {
            throw new IOException("not an HTTP/1.x status line: "
                    + line.substring(0, Math.min(line.length(), 40)));
        }
        if (!isDigit(line.charAt(9)) || !isDigit(line.charAt(10)) || !isDigit(line.charAt(11))) {
            throw new IOException("malformed status code in: " + line.substring(0, Math.min(line.length(), 40)));
        }
        int status = Integer.parseInt(line.substring(9, 12));
        String reason = line.length() > 13 ? line.substring(13) : "";
        return new ResponseHead(line.charAt(7) - '0', status, reason, headers);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private boolean fill() throws IOException {
        if (start == end) {
            start = 0;
            end = 0;
        }
        if (end == buf.length) {
            if (start == 0) {
                throw new IOException("the response head is larger than " + MAX_HEAD + " bytes");
            }
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        int n = channel.read(ByteBuffer.wrap(buf, end, buf.length - end));
        if (n < 0) {
            return false;
        }
        end += n;
        return true;
    }

    /**
     * Reads the body of {@code head} into {@code sink}.
     *
     * @param headRequest true when the request was HEAD (no body follows whatever the head says)
     * @param progress called with the running byte count after each read (may be {@code null})
     * @return the number of body bytes
     */
    public long readBody(ResponseHead head, boolean headRequest, WritableByteChannel sink, LongConsumer progress)
            throws IOException {
        if (headRequest || head.statusHasNoBody()) {
            return 0;
        }
        if (head.chunked()) {
            return new ChunkedBody(this).copy(sink, progress);
        }
        long length = head.contentLength();
        return copy(length < 0 ? Long.MAX_VALUE : length, length >= 0, sink, progress, 0);
    }

    /** Copies {@code count} bytes (or up to EOF when not {@code exact}); the total includes {@code base}. */
    long copy(long count, boolean exact, WritableByteChannel sink, LongConsumer progress, long base)
            throws IOException {
        long done = 0;
        ByteBuffer io = ByteBuffer.allocateDirect(65536);
        while (done < count) {
            if (start < end) {
                int n = (int) Math.min(end - start, count - done);
                writeFully(sink, ByteBuffer.wrap(buf, start, n));
                start += n;
                done += n;
            } else {
                io.clear().limit((int) Math.min(io.capacity(), count - done));
                int n = channel.read(io);
                if (n < 0) {
                    if (exact) {
                        throw new EOFException("the body ended after " + done + " of " + count + " bytes");
                    }
                    break;
                }
                writeFully(sink, io.flip());
                done += n;
            }
            if (progress != null) {
                progress.accept(base + done);
            }
        }
        return done;
    }

    /** Reads one CRLF-terminated line of at most 4 KiB (chunk sizes and trailers). */
    String readLine() throws IOException {
        int scanned = 0;
        while (true) {
            for (int i = start + scanned; i < end; i++) {
                if (buf[i] == '\n') {
                    if (i - start > 4096) { // the limit below, for a line that came in whole
                        throw new IOException("a chunk line is longer than 4096 bytes");
                    }
                    int e = i > start && buf[i - 1] == '\r' ? i - 1 : i;
                    String line = new String(buf, start, e - start, StandardCharsets.ISO_8859_1);
                    start = i + 1;
                    return line;
                }
            }
            scanned = end - start;
            if (scanned > 4096) {
                throw new IOException("a chunk line is longer than 4096 bytes");
            }
            if (!fill()) {
                throw new EOFException("the connection ended inside a chunked body");
            }
        }
    }

    private static void writeFully(WritableByteChannel sink, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            sink.write(b);
        }
    }
}
