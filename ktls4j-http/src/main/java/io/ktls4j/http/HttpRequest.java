package io.ktls4j.http;

/**
 * One parsed request head.
 *
 * @param method the method token, case-sensitive ("GET")
 * @param target the request target as sent ("/a%20b?x=1", or absolute-form)
 * @param path the raw (still percent-encoded) path of the target, always starting with "/"
 * @param query the raw query without "?", or {@code null}
 * @param minorVersion 0 for HTTP/1.0, 1 for HTTP/1.1
 * @param headers the header fields
 */
public record HttpRequest(String method, String target, String path, String query, int minorVersion,
                          HttpHeaders headers) {

    /** Whether the client wants the connection kept open after this request (RFC 9112 9.3). */
    public boolean keepAlive() {
        if (headers.hasToken("Connection", "close")) {
            return false;
        }
        return minorVersion >= 1 || headers.hasToken("Connection", "keep-alive");
    }

    public boolean isHead() {
        return method.equals("HEAD");
    }

    /** The first request-line, as for a log: {@code GET /x HTTP/1.1}. */
    public String requestLine() {
        return method + " " + target + " HTTP/1." + minorVersion;
    }
}
