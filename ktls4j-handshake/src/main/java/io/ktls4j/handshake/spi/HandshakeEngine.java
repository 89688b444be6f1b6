package io.ktls4j.handshake.spi;

import io.ktls4j.KtlsSocket;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.SessionInfo;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One TLS handshake as a state machine fed with bytes, independent of any socket (BouncyCastle's non-blocking
 * protocol engine underneath): the caller moves bytes between the peer and {@link #offer}/{@link #readOutput}, and
 * when {@link #isComplete()} hands the keys to a record layer. {@link io.ktls4j.handshake.TlsHandshake} drives one on
 * a {@link java.nio.channels.SocketChannel}; an event-loop integration drives one from its own buffers.
 *
 * <p>Input is consumed in whole TLS records and never past the record that completes the handshake: bytes after it
 * stay in the caller's buffer and belong to the record layer, in order. A caller that reads from a socket can read
 * exactly {@link #bytesWanted()} bytes at a time so that it never takes such bytes out of the socket at all.
 *
 * <p>Failures are typed ({@link io.ktls4j.handshake.TlsAlertException},
 * {@link io.ktls4j.handshake.TlsHandshakeException}); after one, {@link #readOutput} still yields the alert owed to
 * the peer, and every secret is already zeroed. Not thread-safe: one caller at a time.
 */
public interface HandshakeEngine extends AutoCloseable {

    Role role();

    /**
     * Starts the handshake if it has not started (a client's ClientHello becomes output). Idempotent.
     *
     * @throws IOException typed, when the engine cannot start (e.g. a context without credentials)
     */
    void start() throws IOException;

    /**
     * Consumes bytes of whole records from {@code src}, up to the end of the handshake at most, and advances the
     * handshake. Returns the bytes consumed; {@code src}'s position moves by as much.
     *
     * @throws IOException typed, when the handshake fails (the engine is then failed for good)
     */
    int offer(ByteBuffer src) throws IOException;

    /** How many more input bytes complete the record being read (5 for a new record's header); 0 once complete. */
    int bytesWanted();

    /** Bytes owed to the peer now. */
    int outputBytes();

    /** Moves output owed to the peer into {@code dst} (as much as fits); returns the count. */
    int readOutput(ByteBuffer dst);

    /** True once the handshake has completed (all of its output may still be pending: send it first). */
    boolean isComplete();

    /** What was negotiated; only once complete. */
    SessionInfo session();

    /** Input bytes consumed so far (for timeout messages). */
    long bytesReceived();

    /**
     * Installs the session's keys on {@code socket} (TX, then RX; the caller has sent every output byte first) and
     * returns the connection, as {@link io.ktls4j.handshake.KtlsContext#accept} does. The keys are zeroed here
     * whatever happens; on failure the socket is closed.
     *
     * @throws IllegalStateException when not complete, or when the keys were taken already
     */
    KtlsConnection handoff(KtlsSocket socket) throws IOException;

    /**
     * Takes the session's keys for a record layer that is not a {@link KtlsSocket}: the caller owns them and must
     * destroy them. {@link EstablishedKeys#tx()} already counts records the engine wrote under the new keys.
     *
     * @throws IllegalStateException when not complete, or when the keys were taken already
     */
    EstablishedKeys takeKeys();

    /**
     * Server with session tickets: the NewSessionTicket handshake messages owed to the client (RFC 8446 §4.6.1),
     * for a caller that took the keys with {@link #takeKeys()}: send them as one handshake record (type 22) under
     * the new TX key before any application data. Null when there are none; taken once. ({@link #handoff} sends
     * them itself.)
     */
    default byte[] takeSessionTickets() {
        return null;
    }

    /**
     * Client whose context keeps sessions (TLS 1.3): where the NewSessionTickets the server sends after the handshake
     * go, for a caller that took the keys with {@link #takeKeys()} and reads the records itself. The caller owns it
     * and must {@link ClientSessionTickets#destroy() destroy} it when the connection ends. Null when there is nothing
     * to keep tickets for; taken once. ({@link #handoff} hands it to the connection itself.)
     */
    default ClientSessionTickets takeClientTickets() {
        return null;
    }

    /** Aborts an unfinished handshake and zeroes its secrets; no effect on keys already taken. */
    @Override
    void close();
}
