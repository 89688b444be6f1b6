package io.ktls4j.handshake.spi;

import io.ktls4j.CipherType;
import io.ktls4j.KtlsSocket;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.SessionInfo;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * What other ktls4j modules (the handshake agent, integrations) need of the handshake module beyond its public API:
 * connections over record layers keyed elsewhere, the traffic secrets of a connection, and handshakes driven from
 * the caller's own buffers. Exported only to those modules.
 */
public final class Handshakes {
    private static volatile Internals internals;

    private Handshakes() {
    }

    /**
     * A connection over a record layer whose keys were installed elsewhere (the handshake agent ran the handshake):
     * {@code socket} carries both directions' keys already, {@code session} is what was negotiated, and
     * {@code duties} change keys after KeyUpdates and take NewSessionTickets (TLS 1.3; for TLS 1.2 use
     * {@link #noDuties()}). The connection then behaves exactly as one from {@link KtlsContext}: the same reads,
     * writes, alerts, close_notify and KeyUpdate policy (including the AEAD limits of RFC 8446 §5.5, counted from
     * this call). It never reads keys back from the record layer. It owns {@code socket} and {@code duties} from here
     * on: closing it closes the one and releases the other.
     */
    public static KtlsConnection adopt(KtlsSocket socket, SessionInfo session, Role role, PostHandshakeDuties duties)
            throws IOException {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(duties, "duties");
        return internals().adopt(socket, session, role, duties);
    }

    /**
     * Moves a connection's TLS 1.3 traffic secrets out, for a process that keeps them apart from the record layer
     * (the handshake agent takes them from its own handshake). Afterwards the connection cannot change keys: a
     * KeyUpdate, sent or received, fails with {@link IllegalStateException}. Empty for TLS 1.2, for an
     * {@link #adopt adopted} connection, or when taken already.
     */
    public static Optional<TrafficSecrets> takeTrafficSecrets(KtlsConnection connection) {
        return internals().takeTrafficSecrets(connection);
    }

    /**
     * Moves a client connection's NewSessionTicket destination out (the session cache of the context it was made
     * with, and the {@code resumption_master_secret} each ticket's PSK is derived from), for a process that reads the
     * tickets elsewhere: the handshake agent keeps it with the session, and the consumer's record layer hands the
     * tickets it reads to the agent. The connection then only counts the tickets it reads. Empty for a server, for TLS
     * 1.2, with resumption off, for an {@link #adopt adopted} connection, or when taken already.
     */
    public static Optional<ClientSessionTickets> takeClientTickets(KtlsConnection connection) {
        return internals().takeClientTickets(Objects.requireNonNull(connection, "connection"));
    }

    /**
     * Server: sends NewSessionTicket {@code messages} (whole handshake messages, back to back) on an {@link #adopt
     * adopted} connection as one handshake record, before anything else it sends: the tickets a handshake agent issued
     * when it returned the TX key to this process (only the agent holds the ticket keys; the messages name the
     * ticket, not its secret). Best effort, as after an in-process handshake: a record layer that cannot send them
     * drops them, and the client has nothing to resume with.
     */
    public static void sendSessionTickets(KtlsConnection connection, byte[] messages) throws IOException {
        internals().sendSessionTickets(Objects.requireNonNull(connection, "connection"),
                Objects.requireNonNull(messages, "messages"));
    }

    /** Duties that hold {@code secrets} in this process (they are zeroed by {@link PostHandshakeDuties#release()}). */
    public static PostHandshakeDuties inProcessDuties(TrafficSecrets secrets) {
        return internals().inProcessDuties(Objects.requireNonNull(secrets, "secrets"));
    }

    /** Duties for a connection that never needs them (TLS 1.2): each keyed call throws {@link IllegalStateException}. */
    public static PostHandshakeDuties noDuties() {
        return internals().noDuties();
    }

    /**
     * A handshake to drive from the caller's own buffers, with {@code context}'s settings.
     *
     * @param peerHost client: the server's host name (verification and SNI); server: ignored
     */
    public static HandshakeEngine newEngine(KtlsContext context, String peerHost) {
        return newEngine(context, peerHost, 0);
    }

    /**
     * A handshake to drive from the caller's own buffers, with {@code context}'s settings.
     *
     * @param peerHost client: the server's host name (verification and SNI); server: ignored
     * @param peerPort client: the server's port, which with {@code peerHost} keys the context's session cache (0:
     *     unknown, the host alone); server: ignored
     */
    public static HandshakeEngine newEngine(KtlsContext context, String peerHost, int peerPort) {
        if (peerPort < 0 || peerPort > 65535) {
            throw new IllegalArgumentException("peerPort must be 0 to 65535, not " + peerPort);
        }
        return internals().newEngine(Objects.requireNonNull(context, "context"), peerHost, peerPort);
    }

    /**
     * The records a record layer keyed from {@code context} sends under one TX key before it sends a TLS 1.3
     * KeyUpdate: the builder's {@code keyUpdateAfterRecords}, or by default the AEAD usage limit of RFC 8446 §5.5
     * for {@code cipher} with a margin ({@link Long#MAX_VALUE} where there is none), as {@code KtlsConnection} uses.
     */
    public static long keyUpdateRecordLimit(KtlsContext context, CipherType cipher) {
        return internals().keyUpdateRecordLimit(Objects.requireNonNull(context, "context"),
                Objects.requireNonNull(cipher, "cipher"));
    }

    /** The KeyUpdate handshake message: {@code key_update(24)}, length 1, {@code request_update}. */
    public static byte[] keyUpdateMessage(boolean requestPeerUpdate) {
        return internals().keyUpdateMessage(requestPeerUpdate);
    }

    /**
     * Whether {@code message} is a well-formed KeyUpdate that asks for an update.
     *
     * @throws IllegalArgumentException when it is not a KeyUpdate of exactly one {@code request_update} byte (0 or 1)
     */
    public static boolean updateRequested(byte[] message) {
        return internals().updateRequested(message);
    }

    /** The handshake module's side of this facade; it registers itself once, when its classes initialise. */
    public interface Internals {
        KtlsConnection adopt(KtlsSocket socket, SessionInfo session, Role role, PostHandshakeDuties duties)
                throws IOException;

        Optional<TrafficSecrets> takeTrafficSecrets(KtlsConnection connection);

        PostHandshakeDuties inProcessDuties(TrafficSecrets secrets);

        Optional<ClientSessionTickets> takeClientTickets(KtlsConnection connection);

        void sendSessionTickets(KtlsConnection connection, byte[] messages) throws IOException;

        PostHandshakeDuties noDuties();

        HandshakeEngine newEngine(KtlsContext context, String peerHost, int peerPort);

        long keyUpdateRecordLimit(KtlsContext context, CipherType cipher);

        byte[] keyUpdateMessage(boolean requestPeerUpdate);

        boolean updateRequested(byte[] message);
    }

    /**
     * Called once by the handshake module.
     *
     * @throws IllegalStateException on a second call
     */
    public static synchronized void register(Internals implementation) {
        if (internals != null) {
            throw new IllegalStateException("the handshake module's internals are registered already");
        }
        internals = Objects.requireNonNull(implementation);
    }

    private static Internals internals() {
        Internals i = internals;
        if (i == null) {
            try {
                // its class initialisation registers the internals
                Class.forName("io.ktls4j.handshake.SpiInternals", true, Handshakes.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            i = internals;
        }
        return i;
    }
}
