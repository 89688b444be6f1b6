package io.ktls4j.http;

import java.net.SocketAddress;
import java.time.Duration;

/** Receives one event per connection: served (with its summary) or failed before HTTP (handshake, timeout). */
public interface ConnectionLog {

    /**
     * @param session what {@link Transport.Session#describe()} said
     * @param error why it ended abnormally, or {@code null}
     */
    record Summary(SocketAddress peer, String session, int requests, long bytesIn, long bytesOut, Duration duration,
                   String endReason, Throwable error) {
    }

    void served(Summary summary);

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
