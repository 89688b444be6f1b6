package io.ktls4j.handshake.spi;

import java.io.IOException;

/**
 * Where a client connection's TLS 1.3 NewSessionTickets go when a record layer other than
 * {@link io.ktls4j.handshake.KtlsConnection} reads them: into the session cache of the {@code KtlsContext} the
 * handshake ran with, so that the context's next connection to the same server offers one. Holds the connection's
 * {@code resumption_master_secret} (each ticket's PSK is derived from it) until {@link #destroy()}.
 */
public interface ClientSessionTickets {

    /**
     * A NewSessionTicket has been read: keep its ticket.
     *
     * @throws IllegalArgumentException when the message is malformed (the caller answers decode_error)
     */
    void keep(PostHandshakeMessages.Message ticket) throws IOException;

    /** The connection is over: zero the secret. Idempotent; never throws. */
    void destroy();
}
