package io.ktls4j.http;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * What {@link HttpServer} does on a connection once its transport is open: HTTP ({@link #http}, {@code ktls serve}),
 * or something else on the same accept, admission, timeout and drain machinery ({@code ktls proxy} relays the bytes
 * to a backend). The server logs one {@link ConnectionLog.Summary} per connection from the {@link Conversation}.
 */
@FunctionalInterface
public interface ConnectionService {

    /**
     * Prepares serving one connection; the server then calls {@link Conversation#serve()} on the connection's own
     * virtual thread, and closes the session after it.
     *
     * @param activity where the conversation tells the server's {@link Admission} what it is doing: a connection
     *     that is {@link HttpConnection.Activity#answering()} is never closed to make room, nor as idle on SIGTERM
     * @param watchdog the server's timers, for the conversation's own deadlines
     */
    Conversation open(Transport.Session session, SocketAddress peer, HttpConnection.Activity activity,
                      Watchdog watchdog);

    /**
     * What a connection still open when the drain time ran out was in the middle of, for its log line ("closed by
     * the server: shutting down, the response not finished within the drain time of 10000 ms").
     */
    default String workInProgress() {
        return "the response";
    }

    /** HTTP/1.1 with {@code handler} within {@code limits}; each answered request goes to {@code log}. */
    static ConnectionService http(Handler handler, HttpLimits limits, ConnectionLog log) {
        return (session, peer, activity, watchdog) ->
                new HttpConnection(session, peer, activity, handler, limits, watchdog, log::request);
    }

    /** One connection being served. Its counters are read once {@link #serve()} has returned. */
    interface Conversation {
        /** Serves until the connection is done; I/O errors propagate (the server logs them). */
        void serve() throws IOException;

        /** Requests answered, or -1 when the connection does not carry requests (the log line then has none). */
        int requests();

        /** Plaintext bytes read from the client. */
        long bytesIn();

        /** Plaintext bytes written to the client. */
        long bytesOut();

        /** Why the connection ended, for the log line. */
        String endReason();

        /** The log line's description of the connection: by default the session's. */
        default String describe(Transport.Session session) {
            return session.describe();
        }
    }
}
