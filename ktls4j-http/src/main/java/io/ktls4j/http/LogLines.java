package io.ktls4j.http;

import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;

/** The one-line log format of connections. */
public final class LogLines {
    private LogLines() {
    }

    public static String served(ConnectionLog.Summary s) {
        return Instant.now() + " " + s.peer() + " " + s.session() + " requests=" + s.requests() + " in=" + s.bytesIn()
                + " out=" + s.bytesOut() + " time=" + millis(s.duration()) + " end=\"" + s.endReason() + "\""
                + (s.error() == null ? "" : " error=\"" + oneLine(s.error()) + "\"");
    }

    public static String failed(SocketAddress peer, Duration duration, Throwable cause) {
        return Instant.now() + " " + peer + " handshake-failed time=" + millis(duration) + " error=\""
                + oneLine(cause) + "\"";
    }

    /** A server event: the time and the message. */
    public static String notice(String message) {
        return Instant.now() + " " + message;
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }

    /** The exception's type and message on one line (never a stack trace). */
    public static String oneLine(Throwable t) {
        String m = t.getMessage();
        String s = t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return s.replace('\n', ' ').replace('\r', ' ').replace('"', '\'');
    }
}
