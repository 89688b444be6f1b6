package io.ktls4j.handshake;

import java.net.SocketTimeoutException;

/** The handshake did not complete within the configured handshake timeout; the connection has been closed. */
public final class TlsHandshakeTimeoutException extends SocketTimeoutException {
    private static final long serialVersionUID = 1L;

    public TlsHandshakeTimeoutException(String message) {
        super(message);
    }
}
