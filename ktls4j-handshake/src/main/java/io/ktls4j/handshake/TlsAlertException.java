package io.ktls4j.handshake;

import java.io.IOException;
import org.bouncycastle.tls.AlertDescription;

/**
 * A fatal TLS alert ended the connection: either the peer sent it ({@link #isReceived()}) or this end sent it after
 * detecting a problem (a rejected certificate, a failed binder, a malformed message). Carries the alert description
 * (RFC 8446 §6), never key material.
 */
public class TlsAlertException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int description;
    private final boolean received;
    private final boolean duringHandshake;
    private final boolean sent;

    public TlsAlertException(int description, boolean received, boolean duringHandshake, String detail,
            Throwable cause) {
        this(description, received, duringHandshake, !received, detail, cause);
    }

    private TlsAlertException(int description, boolean received, boolean duringHandshake, boolean sent,
            String detail, Throwable cause) {
        super(message(description, received, duringHandshake, sent, detail), cause);
        this.description = description;
        this.received = received;
        this.duringHandshake = duringHandshake;
        this.sent = sent;
    }

    /**
     * This end detected the problem that {@code description} names but sent no alert (the peer's bytes were not TLS
     * at all, so there was nobody to tell).
     */
    static TlsAlertException detectedNotSent(int description, boolean duringHandshake, String detail,
            Throwable cause) {
        return new TlsAlertException(description, false, duringHandshake, false, detail, cause);
    }

    private static String message(int description, boolean received, boolean duringHandshake, boolean sent,
            String detail) {
        String where = duringHandshake ? " during the handshake" : "";
        String what = received
                ? "received fatal alert " + Alerts.name(description) + " from the peer" + where
                : sent ? "sent fatal alert " + Alerts.name(description) + " to the peer" + where
                : "refused the peer's bytes" + where + " (" + Alerts.name(description) + ", no alert sent)";
        return detail == null || detail.isEmpty() ? what : what + ": " + detail;
    }

    /** True when this end sent the alert to the peer (false when it was received, or not sent at all). */
    public boolean isSent() {
        return sent;
    }

    /** The alert description code, e.g. 40 for handshake_failure, 42 for bad_certificate. */
    public int alertDescription() {
        return description;
    }

    /** The RFC name of the alert, e.g. "handshake_failure". */
    public String alertName() {
        return AlertDescription.getName((short) description);
    }

    /** True when the peer sent the alert, false when this end sent it. */
    public boolean isReceived() {
        return received;
    }

    public boolean isDuringHandshake() {
        return duringHandshake;
    }
}
