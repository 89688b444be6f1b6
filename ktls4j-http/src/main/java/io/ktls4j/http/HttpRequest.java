package io.ktls4j.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One parsed request head.
 *
 * @param method the method token, case-sensitive ("GET")
 * @param target the request target as sent ("/a%20b?x=1", or absolute-form)
 * @param path the raw (still percent-encoded) path of the target, always starting with "/"
 * @param query the raw query without "?", or {@code null}
 * @param minorVersion 0 for HTTP/1.0, 1 for HTTP/1.1
 * @param headers the header fields
 * @param peer the client's address, or {@code null} when not known
 */
public record HttpRequest(String method, String target, String path, String query, int minorVersion,
                          HttpHeaders headers, SocketAddress peer) {

    /** A request whose client address is not known. */
    public HttpRequest(String method, String target, String path, String query, int minorVersion,
                       HttpHeaders headers) {
        this(method, target, path, query, minorVersion, headers, null);
    }

    /** This request as received from {@code peer}. */
    public HttpRequest withPeer(SocketAddress peer) {
        return new HttpRequest(method, target, path, query, minorVersion, headers, peer);
    }

    /** Whether the client is on this host (a loopback address); false when its address is not known. */
    public boolean fromLoopback() {
        return peer instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }

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
