package io.ktls4j.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Writes responses to a blocking channel (the caller releases each response's file afterwards): the head and a small body (up to {@link #SMALL_FILE} of a file, or an
 * in-memory page) in one gathering write, which the TLS layer makes one record; a larger file body through the
 * {@link FileSender} in chunks, each chunk bounded by the send timeout (a client that stops reading gets its
 * connection closed).
 */
final class ResponseWriter {
    /** The largest file chunk per send call; the send timeout applies to each. */
    static final long FILE_CHUNK = 4L << 20;
    /** The size of a heap copy when the sender cannot make progress without blocking. */
    static final long COPY_CHUNK = 64L << 10;
    /**
     * File bodies up to this size are read into a buffer and written with the head: one record and one write
     * instead of a record for the head and another for the body.
     */
    static final int SMALL_FILE = 16 << 10;

    private final WritableByteChannel channel;
    private final FileSender fileSender;
    private final Watchdog watchdog;
    private final Duration sendTimeout;
    private final Runnable onStall;
    private long bytesWritten;
    private int lastHeadBytes;

    ResponseWriter(WritableByteChannel channel, FileSender fileSender, Watchdog watchdog, Duration sendTimeout,
                   Runnable onStall) {
        this.channel = channel;
        this.fileSender = fileSender;
        this.watchdog = watchdog;
        this.sendTimeout = sendTimeout;
        this.onStall = onStall;
    }

    long bytesWritten() {
        return bytesWritten;
    }

    /** The length of the last response head written (or being written): the rest of its bytes are content. */
    int lastHeadBytes() {
        return lastHeadBytes;
    }

    /**
     * Writes {@code response}; only its head when {@code headOnly}.
     *
     * @param keepAlive false adds {@code Connection: close}
     * @param http10KeepAlive true adds {@code Connection: keep-alive} (an HTTP/1.0 client asked for it)
     */
    void write(HttpResponse response, boolean headOnly, boolean keepAlive, boolean http10KeepAlive) throws IOException {
        byte[] head = head(response, keepAlive, http10KeepAlive);
        lastHeadBytes = head.length;
        boolean noBody = headOnly || response.status() == 304 || response.contentLength() == 0;
        if (!noBody && response.multipart() != null) {
            writeFully(ByteBuffer.wrap(head));
            for (HttpResponse.Part part : response.multipart().parts()) {
                writeRegion(ByteBuffer.wrap(part.head()), part.region());
            }
            writeFully(ByteBuffer.wrap(response.multipart().end()));
            return;
        }
        if (!noBody && response.file() != null && response.file().count() <= SMALL_FILE) {
            writeFully(ByteBuffer.wrap(head), readSmall(response.file()));
        } else if (noBody || response.file() != null) {
            writeFully(ByteBuffer.wrap(head));
        } else {
            writeFully(ByteBuffer.wrap(head), ByteBuffer.wrap(response.body()));
        }
        if (!noBody && response.file() != null && response.file().count() > SMALL_FILE) {
            sendFile(response.file());
        }
    }

    /** {@code prefix}, then the region: with it in one write when small, else through the file sender. */
    private void writeRegion(ByteBuffer prefix, HttpResponse.FileRegion region) throws IOException {
        if (region.count() <= SMALL_FILE) {
            writeFully(prefix, readSmall(region));
        } else {
            writeFully(prefix);
            sendFile(region);
        }
    }

    private static byte[] head(HttpResponse r, boolean keepAlive, boolean http10KeepAlive) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("HTTP/1.1 ").append(r.status()).append(' ').append(HttpStatus.reason(r.status())).append("\r\n");
        sb.append("Date: ").append(HttpDates.now()).append("\r\n");
        sb.append("Server: ktls4j\r\n");
        for (String[] f : r.headers().fields()) {
            sb.append(f[0]).append(": ").append(f[1]).append("\r\n");
        }
        if (r.status() != 304) {
            sb.append("Content-Length: ").append(r.contentLength()).append("\r\n");
        }
        if (!keepAlive) {
            sb.append("Connection: close\r\n");
        } else if (http10KeepAlive) {
            sb.append("Connection: keep-alive\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private void sendFile(HttpResponse.FileRegion region) throws IOException {
        FileChannel file = region.channel();
        long position = region.position();
        long left = region.count();
        while (left > 0) {
            Watchdog.Timer timer = watchdog.arm(sendTimeout, onStall);
            long n;
            try {
                n = fileSender.send(file, position, Math.min(left, FILE_CHUNK));
            } finally {
                checkStall(timer);
            }
            if (n <= 0) {
                n = copyThroughHeap(file, position, Math.min(left, COPY_CHUNK), region);
            }
            position += n;
            left -= n;
            bytesWritten += n;
        }
    }

    /**
     * Reads a small file region whole into a buffer of its size, ready to write with the head. Per response, not
     * kept: an idle connection holds no body buffer.
     */
    private ByteBuffer readSmall(HttpResponse.FileRegion region) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) region.count());
        while (b.hasRemaining()) {
            if (region.channel().read(b, region.position() + b.position()) < 0) {
                throw new IOException(region.name() + " shrank while it was being sent");
            }
        }
        return b.flip();
    }

    /**
     * The fallback when the sender made no progress: {@code transferTo} returns 0 rather than block when the socket
     * buffer is full and the socket is non-blocking underneath (as for virtual threads). A plain write blocks (parks)
     * until the peer reads, so one chunk goes through the heap, then {@code sendfile} resumes.
     */
    private long copyThroughHeap(FileChannel file, long position, long count, HttpResponse.FileRegion region)
            throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) count);
        while (b.hasRemaining()) {
            int n = file.read(b, position + b.position());
            if (n < 0) {
                throw new IOException(region.name() + " shrank while it was being sent");
            }
        }
        writeFully(b.flip());
        bytesWritten -= count;
        return count;
    }

    /** Writes every byte of the buffers (the channel is blocking), gathering them into one write where it can. */
    void writeFully(ByteBuffer... srcs) throws IOException {
        Watchdog.Timer timer = watchdog.arm(sendTimeout, onStall);
        try {
            if (srcs.length > 1 && channel instanceof GatheringByteChannel g) {
                int first = 0;
                while (first < srcs.length) {
                    long n = g.write(srcs, first, srcs.length - first);
                    if (n < 0) {
                        throw new IOException("the channel refused to write");
                    }
                    bytesWritten += n;
                    while (first < srcs.length && !srcs[first].hasRemaining()) {
                        first++;
                    }
                }
                return;
            }
            for (ByteBuffer b : srcs) {
                while (b.hasRemaining()) {
                    int n = channel.write(b);
                    if (n < 0) {
                        throw new IOException("the channel refused to write");
                    }
                    bytesWritten += n;
                }
            }
        } finally {
            checkStall(timer);
        }
    }

    private static void checkStall(Watchdog.Timer timer) throws IOException {
        if (!timer.disarm()) {
            throw new InterruptedIOException("the client stopped reading; the send timed out");
        }
    }
}
