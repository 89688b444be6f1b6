package io.ktls4j.handshake;

import java.io.EOFException;

/**
 * The peer's side of the TCP connection ended without a close_notify alert: the data read so far may be cut short
 * by an attacker or a crash (RFC 8446 §6.1). Application data already returned is authentic, but it may be incomplete.
 */
public final class TlsTruncationException extends EOFException {
    private static final long serialVersionUID = 1L;

    public TlsTruncationException(String message) {
        super(message);
    }
}
