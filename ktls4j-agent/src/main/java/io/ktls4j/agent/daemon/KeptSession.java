package io.ktls4j.agent.daemon;

import io.ktls4j.Direction;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.spi.ClientSessionTickets;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import io.ktls4j.handshake.spi.TrafficSecrets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * A TLS 1.3 session the agent keeps after handing the socket back (protocol version 2): the traffic secrets, where
 * each direction's keys went, which socket it is ({@code SO_COOKIE}) and the Unix connection it belongs to. Only that
 * connection may use it. A client session also keeps where its NewSessionTickets go ({@link #keepTicket}: the session
 * cache of the agent's context and the resumption secret). {@link #release} zeroes the secrets and closes the
 * connection; it happens once.
 */
final class KeptSession {
    final long id;
    final Role role;
    final Map<Direction, Placement> placements;
    final long socketCookie;
    final FrameStream connection;
    final String who;
    private final byte[] handle;
    private final TrafficSecrets secrets;
    private ClientSessionTickets clientTickets;
    private volatile long lastUsedNanos = System.nanoTime();
    private long tickets;
    private String released;

    KeptSession(long id, byte[] handle, Role role, Map<Direction, Placement> placements, long socketCookie,
            TrafficSecrets secrets, FrameStream connection, String who) {
        this.id = id;
        this.handle = handle.clone();
        this.role = role;
        this.placements = new EnumMap<>(placements);
        this.socketCookie = socketCookie;
        this.secrets = secrets;
        this.connection = connection;
        this.who = who;
    }

    /** Whether {@code candidate} is this session's handle (compared in constant time). */
    boolean isHandle(byte[] candidate) {
        return MessageDigest.isEqual(handle, candidate);
    }

    byte[] handle() {
        return handle.clone();
    }

    /** The secrets, for an operation (the caller holds this session's lock). */
    TrafficSecrets secrets() {
        if (released != null) {
            throw new IllegalStateException("the session was released (" + released + ")");
        }
        return secrets;
    }

    long generation(Direction d) {
        return released != null ? -1 : secrets.generation(d);
    }

    /** A client session's ticket destination; this session owns it from here (released with it). */
    synchronized void clientTickets(ClientSessionTickets t) {
        if (released != null) {
            t.destroy();
        } else {
            clientTickets = t;
        }
    }

    /**
     * A client's NewSessionTicket, read by the consumer: kept in the context's session cache when the session has a
     * ticket destination (resumption on), else only counted. Returns the count.
     *
     * @throws IllegalArgumentException for a malformed ticket
     */
    long keepTicket(PostHandshakeMessages.Message ticket) throws java.io.IOException {
        ClientSessionTickets t;
        synchronized (this) {
            t = clientTickets;
        }
        if (t != null) {
            t.keep(ticket);
        }
        return ++tickets;
    }

    long tickets() {
        return tickets;
    }

    void touch() {
        lastUsedNanos = System.nanoTime();
    }

    long idleNanos() {
        return System.nanoTime() - lastUsedNanos;
    }

    synchronized boolean isReleased() {
        return released != null;
    }

    /** Zeroes the secrets and closes the Unix connection. Returns false when released already. */
    synchronized boolean release(String why) {
        if (released != null) {
            return false;
        }
        released = why;
        secrets.destroy();
        if (clientTickets != null) {
            clientTickets.destroy();
        }
        connection.close();
        return true;
    }

    /** True once the secrets are zeroed (tests). */
    boolean secretsDestroyed() {
        return secrets.isDestroyed();
    }

    @Override
    public String toString() {
        return "session #" + id + " (" + HexFormat.of().formatHex(handle, 0, 4) + "…, " + role.name().toLowerCase()
                + ", TX " + placements.get(Direction.TX) + ", RX " + placements.get(Direction.RX) + ")";
    }
}
