package io.ktls4j.handshake;

import java.io.IOException;

/**
 * The handshake failed without a TLS alert that explains it: the peer closed the connection or the network failed
 * before the handshake completed, or the configuration cannot work with this peer. (Failures that come with an alert
 * are {@link TlsAlertException}s.)
 */
public class TlsHandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    public TlsHandshakeException(String message) {
        super(message);
    }

    public TlsHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
