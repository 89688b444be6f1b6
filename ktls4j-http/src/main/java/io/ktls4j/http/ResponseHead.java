package io.ktls4j.http;

/**
 * A parsed response status line and header fields, as a client sees them.
 *
 * @param minorVersion the digit x of HTTP/1.x (0 or 1 from servers today)
 * @param status the three digits of the status line, 100..999 for a final or interim response
 */
public record ResponseHead(int minorVersion, int status, String reason, HttpHeaders headers) {

    /** The Content-Length, or -1 when there is none. */
    public long contentLength() {
        String v = headers.first("Content-Length");
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public boolean chunked() {
        return headers.hasToken("Transfer-Encoding", "chunked");
    }

    /** True when the status never has content (1xx, 204, 304, RFC 9112 6.3). */
    public boolean statusHasNoBody() {
        return status < 200 || status == 204 || status == 304;
    }

    /** Whether the server keeps the connection open after this response. */
    public boolean keepAlive() {
        if (headers.hasToken("Connection", "close")) {
            return false;
        }
        return minorVersion >= 1 || headers.hasToken("Connection", "keep-alive");
    }
}
