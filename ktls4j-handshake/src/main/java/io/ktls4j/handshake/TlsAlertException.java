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

    public TlsAlertException(int description, boolean received, boolean duringHandshake, String detail,
            Throwable cause) {
        super(message(description, received, duringHandshake, detail), cause);
        this.description = description;
        this.received = received;
        this.duringHandshake = duringHandshake;
    }

    private static String message(int description, boolean received, boolean duringHandshake, String detail) {
        String where = duringHandshake ? " during the handshake" : "";
        String what = received
                ? "received fatal alert " + Alerts.name(description) + " from the peer" + where
                : "sent fatal alert " + Alerts.name(description) + " to the peer" + where;
        return detail == null || detail.isEmpty() ? what : what + ": " + detail;
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
