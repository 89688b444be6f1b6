package io.ktls4j.handshake.spi;

import io.ktls4j.KtlsSocket;
import java.io.IOException;

/**
 * The post-handshake work of an established TLS 1.3 connection that needs its traffic secrets: changing to the next
 * key on a KeyUpdate, sent or received (RFC 8446 §4.6.3, §7.2), and the client's NewSessionTickets (§4.6.1).
 * {@link io.ktls4j.handshake.KtlsConnection} decides when (the peer's messages, {@link io.ktls4j.handshake.KtlsConnection#keyUpdate}, the AEAD limits) and
 * calls these with its locks held; an implementation does the how. {@link Handshakes#inProcessDuties} holds the
 * secrets in this process; the handshake agent's consumer routes each call to the agent, which holds them in its own.
 *
 * <p>Nothing here is called for TLS 1.2 (which has neither message).
 */
public interface PostHandshakeDuties {

    /**
     * Sends a KeyUpdate ({@code request_update} = {@code requestPeerUpdate}) under the current TX key, then switches
     * the record layer's TX to the next key. The caller holds the connection's write side.
     *
     * @throws io.ktls4j.WouldBlockException when nothing could be sent without blocking (nothing changed)
     * @throws io.ktls4j.KernelFeatureException when the record layer cannot take a second TLS 1.3 key (Linux 6.14)
     */
    void updateTxKey(KtlsSocket socket, boolean requestPeerUpdate) throws IOException;

    /**
     * The peer's KeyUpdate has been read ({@code message}: the whole handshake message, type 24): switches the record
     * layer's RX to the peer's next key. When the peer asked for an update and {@code mayAnswer} is true (the caller
     * also holds the write side), also sends this end's KeyUpdate and switches TX, as {@link #updateTxKey} does.
     *
     * @return true when this end's KeyUpdate was sent and TX switched; false when the caller still owes the answer
     * @throws IllegalArgumentException when {@code message} is not a well-formed KeyUpdate (nothing changed)
     */
    boolean peerKeyUpdate(KtlsSocket socket, byte[] message, boolean mayAnswer) throws IOException;

    /** Client: a NewSessionTicket has been read ({@code message}: the whole handshake message, type 4). */
    void sessionTicket(byte[] message) throws IOException;

    /** The connection is closed: zero or release what is held. Idempotent; never throws. */
    void release();
}
