package io.ktls4j.http;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A response to write: status, header fields and a body that is either bytes in memory or a region of a file (sent
 * through the connection's {@link FileSender}, which is {@code sendfile} on a kernel-TLS socket). Content-Length is
 * set from the body; for HEAD the body is not written. A file body is an open channel that the response owns: whoever
 * writes the response (or drops it) calls {@link #release()}.
 */
public final class HttpResponse {
    /**
     * A region of an open file: {@code count} bytes from {@code position}.
     *
     * @param name the file's name, for messages
     */
    public record FileRegion(FileChannel channel, String name, long position, long count) {
    }

    /**
     * A {@code multipart/byteranges} body (RFC 9110 14.6): parts of one open file, each after its own head (the
     * boundary line, Content-Type and Content-Range), then the closing boundary line.
     */
    public record Multipart(List<Part> parts, byte[] end) {
        public Multipart {
            parts = List.copyOf(parts);
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("a multipart body has at least one part");
            }
        }

        /** The bytes of the whole body. */
        public long length() {
            long n = end.length;
            for (Part p : parts) {
                n += p.head().length + p.region().count();
            }
            return n;
        }
    }

    /** One part of a {@link Multipart}: its head, then its bytes of the file. */
    public record Part(byte[] head, FileRegion region) {
    }

    private final int status;
    private final HttpHeaders headers = new HttpHeaders();
    private final byte[] body;
    private final FileRegion file;
    private final Multipart multipart;
    private boolean close;

    private HttpResponse(int status, byte[] body, FileRegion file) {
        this(status, body, file, null);
    }

    private HttpResponse(int status, byte[] body, FileRegion file, Multipart multipart) {
        this.status = status;
        this.body = body;
        this.file = file;
        this.multipart = multipart;
    }

    /** A multipart body whose parts are regions of one file (owned by the response, as for {@link #file}). */
    public static HttpResponse multipart(int status, String contentType, Multipart body) {
        HttpResponse r = new HttpResponse(status, null, null, body);
        r.headers.set("Content-Type", contentType);
        return r;
    }

    public static HttpResponse bytes(int status, String contentType, byte[] body) {
        HttpResponse r = new HttpResponse(status, body, null);
        if (contentType != null) {
            r.headers.set("Content-Type", contentType);
        }
        return r;
    }

    /** A response without content (304, or 200 to HEAD), still with the Content-Length it announces. */
    public static HttpResponse empty(int status) {
        return new HttpResponse(status, new byte[0], null);
    }

    public static HttpResponse file(int status, String contentType, FileRegion region) {
        HttpResponse r = new HttpResponse(status, null, region);
        r.headers.set("Content-Type", contentType);
        return r;
    }

    /** A small HTML page for an error status: the status line and one sentence. */
    public static HttpResponse error(int status, String message) {
        String title = status + " " + HttpStatus.reason(status);
        String page = "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title
                + "</h1><p>" + Html.escape(message) + "</p></body></html>\n";
        return bytes(status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8));
    }

    public HttpResponse header(String name, String value) {
        headers.set(name, value);
        return this;
    }

    /** Marks the response as the last on its connection ({@code Connection: close}). */
    public HttpResponse close() {
        this.close = true;
        return this;
    }

    public int status() {
        return status;
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** The multipart body, or {@code null}. */
    public Multipart multipart() {
        return multipart;
    }

    /** The in-memory body, or {@code null} for a file or multipart body. */
    public byte[] body() {
        return body;
    }

    /** The file body, or {@code null}. */
    public FileRegion file() {
        return file;
    }

    public boolean closesConnection() {
        return close;
    }

    /** Closes the file body's channel, if any: after it was sent, or when the response is not sent at all. */
    public void release() {
        FileChannel channel = file != null ? file.channel()
                : multipart != null ? multipart.parts().getFirst().region().channel() : null;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // a read-only file: nothing was lost
            }
        }
    }

    /** The number of content bytes (Content-Length). */
    public long contentLength() {
        return file != null ? file.count() : multipart != null ? multipart.length() : body.length;
    }
}
