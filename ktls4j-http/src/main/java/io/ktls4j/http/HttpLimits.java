package io.ktls4j.http;

import java.time.Duration;

/**
 * The bounds a connection's requests must stay within, and what the server answers when they do not.
 *
 * @param maxRequestLine bytes of the request line (method, target, version) before 414 URI Too Long
 * @param maxHeaderBytes bytes of the whole request head (request line and header lines) before 431
 * @param maxHeaderCount header lines before 431 Request Header Fields Too Large
 * @param maxBodyBytes request body bytes a GET/HEAD may carry (read and discarded) before 413 Content Too Large
 * @param keepAliveTimeout how long an idle connection waits for the first byte of its next request (then it is
 *     closed without a response)
 * @param requestTimeout how long a request may take from its first byte to the end of its head (then 408 Request
 *     Timeout and close): bounds slowloris clients
 * @param sendTimeout how long writing one chunk of a response may stall (a client that stops reading) before the
 *     connection is closed
 * @param maxRequestsPerConnection requests served on one connection before it is closed after the response
 */
public record HttpLimits(int maxRequestLine, int maxHeaderBytes, int maxHeaderCount, long maxBodyBytes,
                         Duration keepAliveTimeout, Duration requestTimeout, Duration sendTimeout,
                         int maxRequestsPerConnection) {

    /** nginx-like defaults: 8 KiB request line, 16 KiB head, 100 headers, 15 s/10 s/60 s timeouts. */
    public static final HttpLimits DEFAULT = new HttpLimits(8192, 16384, 100, 65536,
            Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(60), 10_000);

    public HttpLimits {
        if (maxRequestLine < 16 || maxHeaderBytes < maxRequestLine || maxHeaderCount < 1 || maxBodyBytes < 0
                || maxRequestsPerConnection < 1) {
            throw new IllegalArgumentException("inconsistent HTTP limits");
        }
        if (keepAliveTimeout.isNegative() || keepAliveTimeout.isZero() || requestTimeout.isNegative()
                || requestTimeout.isZero() || sendTimeout.isNegative() || sendTimeout.isZero()) {
            throw new IllegalArgumentException("HTTP timeouts must be positive");
        }
    }

    public HttpLimits withTimeouts(Duration keepAlive, Duration request, Duration send) {
        return new HttpLimits(maxRequestLine, maxHeaderBytes, maxHeaderCount, maxBodyBytes, keepAlive, request, send,
                maxRequestsPerConnection);
    }
}
