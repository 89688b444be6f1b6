package io.ktls4j.http;

import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * Receives the server's log events: one per connection (served, with its summary, or failed before HTTP: handshake,
 * timeout), one per answered request ({@link #request}, the access log) and server notices.
 */
public interface ConnectionLog {

    /**
     * One answered request, as nginx's access log records it.
     *
     * @param requestLine the request line as received ({@code GET /x HTTP/1.1}), or "-" when the head could not be
     *     parsed
     * @param bodyBytes content bytes sent (nginx's {@code $body_bytes_sent}): fewer than announced when the response
     *     was cut
     * @param referer the Referer field, or {@code null}
     * @param userAgent the User-Agent field, or {@code null}
     * @param session what {@link Transport.Session#describe()} said (TLS: version, suite, backend per direction)
     * @param duration from the complete request head to the last byte written
     */
    record Request(SocketAddress peer, Instant time, String requestLine, int status, long bodyBytes, String referer,
                   String userAgent, String session, Duration duration) {
    }

    /**
     * @param session what {@link ConnectionService.Conversation#describe} said (by default the session's
     *     {@link Transport.Session#describe()})
     * @param requests requests answered, or -1 when the connection carries none (the proxy)
     * @param error why it ended abnormally, or {@code null}
     */
    record Summary(SocketAddress peer, String session, int requests, long bytesIn, long bytesOut, Duration duration,
                   String endReason, Throwable error) {
    }

    void served(Summary summary);

    /** A request was answered (or its response cut short); by default not logged. */
    default void request(Request request) {
    }

    /** The transport could not be opened (e.g. the TLS handshake failed or timed out). */
    void failed(SocketAddress peer, Duration duration, Throwable cause);

    /**
     * A server event that is not one connection's: accepts failing (out of file descriptors), connections refused
     * over a limit. The server sends at most one a second of each kind, summing up the rest. By default a line on
     * standard error, with {@link LogLines#notice}'s timestamp.
     */
    default void notice(String message) {
        System.err.println(LogLines.notice(message));
    }

    /** Writes one line per event to standard error. */
    ConnectionLog STDERR = new ConnectionLog() {
        @Override
        public void served(Summary s) {
            System.err.println(LogLines.served(s));
        }

        @Override
        public void failed(SocketAddress peer, Duration duration, Throwable cause) {
            System.err.println(LogLines.failed(peer, duration, cause));
        }
    };
}
