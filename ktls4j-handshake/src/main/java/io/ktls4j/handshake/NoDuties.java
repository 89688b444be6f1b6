package io.ktls4j.handshake;

import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.KtlsSocket;

/** {@link io.ktls4j.handshake.spi.Handshakes#noDuties()}: for TLS 1.2, which has neither KeyUpdate nor NewSessionTicket duties. */
enum NoDuties implements PostHandshakeDuties {
    INSTANCE;

    @Override
    public void updateTxKey(KtlsSocket socket, boolean requestPeerUpdate) {
        throw new IllegalStateException("this connection has no traffic secrets to change keys with");
    }

    @Override
    public boolean peerKeyUpdate(KtlsSocket socket, byte[] message, boolean mayAnswer) {
        throw new IllegalStateException("this connection has no traffic secrets to change keys with");
    }

    @Override
    public void sessionTicket(byte[] message) {
        // nothing is kept
    }

    @Override
    public void release() {
        // nothing is held
    }
}
