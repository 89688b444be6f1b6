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
