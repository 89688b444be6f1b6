package io.ktls4j.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Pattern;

/** The one-line log formats: connections, requests (the access log) and server notices. */
public final class LogLines {
    /** nginx's {@code $time_local}: {@code 04/Dec/2026:14:21:03 +0000}. */
    private static final DateTimeFormatter TIME_LOCAL =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneId.systemDefault());
    /** A fully qualified exception class name with its colon, as JDK messages nest them ("a.b.FooException: "). */
    private static final Pattern NESTED_CLASS_NAME =
            Pattern.compile("(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::\\s*|\\b)");

    private LogLines() {
    }

    public static String served(ConnectionLog.Summary s) {
        return Instant.now() + " " + s.peer() + " " + s.session() + (s.requests() < 0 ? "" : " requests=" + s.requests()) + " in=" + s.bytesIn()
                + " out=" + s.bytesOut() + " time=" + millis(s.duration()) + " end=\"" + s.endReason() + "\""
                + (s.error() == null ? "" : " error=\"" + oneLine(s.error()) + "\"");
    }

    public static String failed(SocketAddress peer, Duration duration, Throwable cause) {
        return Instant.now() + " " + peer + " handshake-failed time=" + millis(duration) + " error=\""
                + oneLine(cause) + "\"";
    }

    /**
     * One access-log line: nginx's {@code combined} format, then the TLS session (version, suite, group, backend per
     * direction) and the request time in seconds ({@code $request_time}), so that tools reading combined logs
     * (goaccess, awk scripts) read the first nine fields as they would nginx's:
     * <pre>
     * 127.0.0.1 - - [04/Dec/2026:14:21:03 +0000] "GET /a.txt HTTP/1.1" 200 6 "-" "curl/8.14.1" TLSv1.3 TLS_AES_128_GCM_SHA256 X25519 tx=SOFTWARE rx=SOFTWARE rt=0.002
     * </pre>
     * Quotes, backslashes and bytes outside printable ASCII in the quoted fields are written as {@code \xHH}, as
     * nginx does, so a client cannot forge a line or a field.
     */
    public static String access(ConnectionLog.Request r) {
        return address(r.peer()) + " - - [" + TIME_LOCAL.format(r.time()) + "] \"" + escape(r.requestLine()) + "\" "
                + r.status() + " " + r.bodyBytes() + " \"" + escape(r.referer()) + "\" \"" + escape(r.userAgent())
                + "\" " + r.session() + " rt=" + String.format(Locale.ROOT, "%.3f", r.duration().toNanos() / 1e9);
    }

    /** The client's IP address as nginx's {@code $remote_addr} writes it, or "-". */
    private static String address(SocketAddress peer) {
        return peer instanceof InetSocketAddress a && a.getAddress() != null ? IpAddresses.text(a.getAddress()) : "-";
    }

    /** nginx's {@code escape=default}: "-" for a missing field; '"', '\\' and non-printable bytes as \xHH. */
    static String escape(String s) {
        if (s == null || s.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                sb.append(String.format(Locale.ROOT, "\\x%02X", c & 0xff));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A server event: the time and the message. */
    public static String notice(String message) {
        return Instant.now() + " " + message;
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }

    /** What went wrong, on one line and fit for a quoted log field: {@link #describe}, double quotes made single. */
    public static String oneLine(Throwable t) {
        return describe(t).replace('"', '\'');
    }

    /**
     * What went wrong in words, on one line: the exception's message without the Java class names the JDK nests in
     * messages ("javax.net.ssl.SSLException: ..."), or a description of the exception's kind where it has none.
     * Never a stack trace, never a bare class name.
     */
    public static String describe(Throwable t) {
        String m = clean(t.getMessage());
        return switch (t) {
            case java.nio.file.NoSuchFileException e -> "no such file or directory: " + e.getFile();
            case java.nio.file.AccessDeniedException e -> "permission denied: " + e.getFile();
            case java.nio.file.FileSystemException e when e.getReason() != null -> e.getFile() + ": " + e.getReason();
            case Throwable e when !m.isEmpty() -> m;
            case java.io.EOFException e -> "the connection ended early";
            case java.nio.channels.ClosedChannelException e -> "the connection was closed";
            case java.net.SocketTimeoutException e -> "timed out";
            case java.io.IOException e -> "an I/O error without a description";
            default -> "an internal error without a description; please report it";
        };
    }

    /** The message on one line, without the fully qualified exception class names JDK messages nest. */
    public static String clean(String message) {
        String m = NESTED_CLASS_NAME.matcher(message == null ? "" : message).replaceAll("");
        return m.replace('\n', ' ').replace('\r', ' ').strip();
    }
}
