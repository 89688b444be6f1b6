package io.ktls4j.handshake;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;

/** Alert vocabulary and encoding (RFC 8446 §6). */
final class Alerts {
    static final int CLOSE_NOTIFY = AlertDescription.close_notify;
    static final int UNEXPECTED_MESSAGE = AlertDescription.unexpected_message;
    static final int DECODE_ERROR = AlertDescription.decode_error;
    static final int INTERNAL_ERROR = AlertDescription.internal_error;
    static final int USER_CANCELED = AlertDescription.user_canceled;
    static final int NO_RENEGOTIATION = AlertDescription.no_renegotiation;
    static final int ILLEGAL_PARAMETER = AlertDescription.illegal_parameter;

    static final int LEVEL_WARNING = AlertLevel.warning;
    static final int LEVEL_FATAL = AlertLevel.fatal;

    private Alerts() {
    }

    /** "handshake_failure(40)". */
    static String name(int description) {
        return AlertDescription.getText((short) description);
    }

    /** The two bytes of an alert record's body. */
    static byte[] encode(int level, int description) {
        return new byte[] {(byte) level, (byte) description};
    }
}
