package io.ktls4j.agent.wire;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.SocketState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The agent's answer (HANDSHAKE_REPLY): a status, and on success the session's facts and where each direction runs.
 * A {@link Placement#SOFTWARE} direction carries its {@link CryptoInfo}; {@link #destroy()} zeroes them, and
 * {@link #toString()} never shows them.
 */
public final class HandshakeReply extends AgentReply {
    static final int TLS_VERSION = 0x03;
    static final int CIPHER_SUITE = 0x04;
    static final int ALPN = 0x05;
    static final int SERVER_NAME = 0x06;
    static final int PEER_CERT = 0x07;
    static final int PSK_IDENTITY = 0x08;
    static final int LOCAL_CERT = 0x09;
    static final int TX_PLACEMENT = 0x0A;
    static final int RX_PLACEMENT = 0x0B;
    static final int TX_CRYPTO_INFO = KeyFields.TX_CRYPTO_INFO;
    static final int RX_CRYPTO_INFO = KeyFields.RX_CRYPTO_INFO;
    /** Version 2: the handle of the session the agent keeps (16 bytes). */
    static final int SESSION_HANDLE = 0x0F;
    /** Optional (consumers that do not know them skip them): the session was resumed from a ticket; the group. */
    static final int RESUMED = 0x8002;
    static final int GROUP = 0x8003;
    /**
     * Optional: NewSessionTicket messages a server handshake issued while its TX key goes back to the consumer, for the
     * consumer to send first under that key (the agent keeps the ticket keys; a ticket is opaque to the consumer).
     */
    static final int SESSION_TICKETS = 0x8004;
    public static final int HANDLE_LENGTH = 16;

    /**
     * The negotiated session, as the wire carries it.
     *
     * @param resumed whether the handshake resumed a session from a TLS 1.3 ticket
     * @param group the key exchange group's IANA code point, or -1 when none is known (TLS 1.2 resumption, PSK-only)
     */
    public record Session(TlsVersion version, int cipherSuite, String alpn, String serverName,
            List<byte[]> peerCertificates, byte[] pskIdentity, List<byte[]> localCertificates, boolean resumed,
            int group) {
        public Session {
            peerCertificates = List.copyOf(peerCertificates);
            localCertificates = List.copyOf(localCertificates);
        }
    }

    private final Session session;
    private final Map<Direction, Placement> placements;
    private final byte[] sessionHandle;
    private final byte[] sessionTickets;

    private HandshakeReply(AgentStatus status, String message, SocketState socketState, Session session,
            Map<Direction, Placement> placements, Map<Direction, CryptoInfo> returned, byte[] sessionHandle,
            byte[] sessionTickets) {
        super(status, message, socketState, returned);
        this.session = session;
        this.placements = placements;
        this.sessionHandle = sessionHandle;
        this.sessionTickets = sessionTickets;
    }

    /** A refusal or failure. */
    public static HandshakeReply failure(AgentStatus status, String message) {
        if (status == AgentStatus.OK) {
            throw new IllegalArgumentException("a failure needs a failing status");
        }
        return new HandshakeReply(status, message, implied(status), null, Map.of(), Map.of(), null, null);
    }

    /**
     * A success. {@code returned} holds the CryptoInfo of each {@link Placement#SOFTWARE} direction; the reply takes
     * ownership of them.
     */
    public static HandshakeReply success(Session session, Map<Direction, Placement> placements,
            Map<Direction, CryptoInfo> returned) {
        Objects.requireNonNull(session, "session");
        for (Direction d : Direction.values()) {
            Placement p = Objects.requireNonNull(placements.get(d), "placement of " + d);
            if ((p == Placement.SOFTWARE) != returned.containsKey(d)) {
                throw new IllegalArgumentException(d + ": a software placement comes with its CryptoInfo, a kernel one without");
            }
        }
        return new HandshakeReply(AgentStatus.OK, null, SocketState.ESTABLISHED, session, new EnumMap<>(placements),
                returned, null, null);
    }

    /** This success with the handle of the session the agent keeps (version 2). */
    public HandshakeReply withSessionHandle(byte[] handle) {
        if (status != AgentStatus.OK || handle.length != HANDLE_LENGTH) {
            throw new IllegalArgumentException("a session handle is 16 bytes on a successful reply");
        }
        return new HandshakeReply(status, message, socketState, session, placements, keys, handle.clone(),
                sessionTickets);
    }

    /**
     * This success with NewSessionTicket {@code messages} (whole TLS 1.3 handshake messages of type 4, back to back)
     * for the consumer to send first: only when TX goes back to the consumer.
     */
    public HandshakeReply withSessionTickets(byte[] messages) {
        if (status != AgentStatus.OK || placements.get(Direction.TX) != Placement.SOFTWARE
                || session.version() != TlsVersion.TLS_1_3 || !newSessionTickets(messages)) {
            throw new IllegalArgumentException("session tickets go on a successful TLS 1.3 reply that returns TX, "
                    + "as whole NewSessionTicket messages");
        }
        return new HandshakeReply(status, message, socketState, session, placements, keys, sessionHandle,
                messages.clone());
    }

    /** The NewSessionTicket messages the consumer sends first under the returned TX key, or null. */
    public byte[] sessionTickets() {
        return sessionTickets == null ? null : sessionTickets.clone();
    }

    /** Whether {@code m} is one or more whole handshake messages, each a NewSessionTicket (type 4). */
    private static boolean newSessionTickets(byte[] m) {
        int pos = 0;
        while (pos < m.length) {
            if (m.length - pos < 4 || m[pos] != 4) {
                return false;
            }
            pos += 4 + (((m[pos + 1] & 0xff) << 16) | ((m[pos + 2] & 0xff) << 8) | (m[pos + 3] & 0xff));
        }
        return pos == m.length && m.length > 0;
    }

    /** The handle of the session the agent keeps for KeyUpdates, or null (version 1, TLS 1.2, none kept). */
    public byte[] sessionHandle() {
        return sessionHandle == null ? null : sessionHandle.clone();
    }

    /** The session (null unless {@link AgentStatus#OK}). */
    public Session session() {
        return session;
    }

    /** Where {@code direction} runs (null unless OK). */
    public Placement placement(Direction direction) {
        return placements.get(direction);
    }

    /** The returned keys of a {@link Placement#SOFTWARE} direction, owned by this reply; null otherwise. */
    public CryptoInfo returnedKeys(Direction direction) {
        return keys.get(direction);
    }

    /**
     * The HANDSHAKE_REPLY frame. When it carries CryptoInfo the caller must zero the returned array after sending.
     */
    public byte[] encode() {
        return encode(Wire.VERSION);
    }

    /** The frame in protocol {@code version} (the request's); a session handle goes only into version 2. */
    public byte[] encode(int version) {
        Wire.Builder b = begin(version, Wire.TYPE_HANDSHAKE_REPLY);
        if (session != null) {
            b.u16(TLS_VERSION, session.version().code()).u16(CIPHER_SUITE, session.cipherSuite());
            if (session.alpn() != null) {
                b.string(ALPN, session.alpn());
            }
            if (session.serverName() != null) {
                b.string(SERVER_NAME, session.serverName());
            }
            session.peerCertificates().forEach(c -> b.bytes(PEER_CERT, c));
            if (session.pskIdentity() != null) {
                b.bytes(PSK_IDENTITY, session.pskIdentity());
            }
            session.localCertificates().forEach(c -> b.bytes(LOCAL_CERT, c));
            if (session.resumed()) {
                b.u8(RESUMED, 1);
            }
            if (session.group() >= 0) {
                b.u16(GROUP, session.group());
            }
            for (Direction d : Direction.values()) {
                b.u8(d == Direction.TX ? TX_PLACEMENT : RX_PLACEMENT, placements.get(d).code());
            }
        }
        if (sessionHandle != null && version >= Wire.VERSION_2) {
            b.bytes(SESSION_HANDLE, sessionHandle);
        }
        if (sessionTickets != null) {
            b.bytes(SESSION_TICKETS, sessionTickets);
        }
        return finish(b);
    }

    private static Placement placement(int code) throws WireException {
        for (Placement p : Placement.values()) {
            if (p.code() == code) {
                return p;
            }
        }
        throw Wire.bad("a placement must be 1 (kernel) or 2 (software), got " + code);
    }

    static String clip(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return b.length <= Wire.MAX_STRING ? s : new String(b, 0, Wire.MAX_STRING - 3,
                java.nio.charset.StandardCharsets.UTF_8).replace('\uFFFD', ' ').strip() + "...";
    }

    /**
     * Parses the fields of a HANDSHAKE_REPLY body. The caller zeroes the body afterwards (it may hold keys).
     *
     * @throws WireException for a malformed reply (its key fields, and any keys already parsed, are zeroed)
     */
    public static HandshakeReply decode(List<Wire.Field> fields) throws WireException {
        Fields f = new Fields();
        try {
            for (Wire.Field field : fields) {
                f.take(field);
            }
            return f.build();
        } catch (WireException | RuntimeException e) {
            KeyFields.wipe(fields);
            KeyFields.destroy(f.keys);
            throw e;
        }
    }

    @Override
    public String toString() {
        if (status != AgentStatus.OK) {
            return describeFailure("HandshakeReply");
        }
        return "HandshakeReply[OK, " + session.version() + String.format(", suite 0x%04x", session.cipherSuite())
                + (session.alpn() == null ? "" : ", alpn=" + session.alpn()) + ", TX " + placements.get(Direction.TX)
                + ", RX " + placements.get(Direction.RX) + (session.resumed() ? ", resumed" : "")
                + (sessionHandle == null ? "" : ", session kept")
                + (sessionTickets == null ? "" : ", session tickets to send") + "]";
    }

    /** Collects reply fields. */
    private static final class Fields extends Common {
        Integer version;
        Integer suite;
        String alpn;
        String serverName;
        byte[] psk;
        byte[] handle;
        Integer resumed;
        Integer group;
        byte[] tickets;
        final List<byte[]> peer = new ArrayList<>();
        final List<byte[]> local = new ArrayList<>();
        final Map<Direction, Placement> placements = new EnumMap<>(Direction.class);

        @Override
        boolean take(Wire.Field f) throws WireException {
            if (super.take(f)) {
                return true;
            }
            switch (f.tag()) {
                case TLS_VERSION -> {
                    Wire.once(version, f);
                    version = Wire.u16(f);
                }
                case CIPHER_SUITE -> {
                    Wire.once(suite, f);
                    suite = Wire.u16(f);
                }
                case ALPN -> {
                    Wire.once(alpn, f);
                    alpn = Wire.string(f);
                }
                case SERVER_NAME -> {
                    Wire.once(serverName, f);
                    serverName = Wire.string(f);
                }
                case PEER_CERT -> peer.add(f.value());
                case PSK_IDENTITY -> {
                    Wire.once(psk, f);
                    psk = f.value();
                }
                case LOCAL_CERT -> local.add(f.value());
                case TX_PLACEMENT, RX_PLACEMENT -> {
                    Direction d = f.tag() == TX_PLACEMENT ? Direction.TX : Direction.RX;
                    Wire.once(placements.get(d), f);
                    placements.put(d, placement(Wire.u8(f)));
                }
                case SESSION_HANDLE -> {
                    Wire.once(handle, f);
                    if (f.value().length != HANDLE_LENGTH) {
                        throw Wire.bad("SESSION_HANDLE must be 16 bytes, got " + f.value().length);
                    }
                    handle = f.value();
                }
                case RESUMED -> {
                    Wire.once(resumed, f);
                    resumed = Wire.u8(f);
                }
                case GROUP -> {
                    Wire.once(group, f);
                    group = Wire.u16(f);
                }
                case SESSION_TICKETS -> {
                    Wire.once(tickets, f);
                    if (!newSessionTickets(f.value())) {
                        throw Wire.bad("SESSION_TICKETS must hold whole NewSessionTicket messages");
                    }
                    tickets = f.value();
                }
                default -> Wire.unknown(f);
            }
            return true;
        }

        HandshakeReply build() throws WireException {
            AgentStatus s = status();
            SocketState socket = socketState(s);
            if (s != AgentStatus.OK) {
                if (handle != null || tickets != null) {
                    throw Wire.bad("a failed reply carries a session handle or session tickets");
                }
                return new HandshakeReply(s, message, socket, null, Map.of(), Map.of(), null, null);
            }
            if (version == null || suite == null) {
                throw Wire.bad("an OK reply needs TLS_VERSION and CIPHER_SUITE");
            }
            TlsVersion v;
            try {
                v = TlsVersion.of(version);
            } catch (KtlsException e) {
                throw Wire.bad(e.getMessage());
            }
            for (Direction d : Direction.values()) {
                if (placements.get(d) == null) {
                    throw Wire.bad("an OK reply needs the placement of " + d);
                }
                if ((placements.get(d) == Placement.SOFTWARE) != keys.containsKey(d)) {
                    throw Wire.bad(d + ": a software placement needs its CRYPTO_INFO, a kernel one must not have one");
                }
                CryptoInfo k = keys.get(d);
                if (k != null && k.version() != v) {
                    throw Wire.bad(d + " crypto_info is " + k.version() + " but the session is " + v);
                }
            }
            Session session = new Session(v, suite, alpn, serverName, peer, psk, local,
                    resumed != null && resumed == 1, group == null ? -1 : group);
            if (handle != null && v != TlsVersion.TLS_1_3) {
                throw Wire.bad("a session handle is only for TLS 1.3 sessions");
            }
            if (tickets != null && (v != TlsVersion.TLS_1_3 || placements.get(Direction.TX) != Placement.SOFTWARE)) {
                throw Wire.bad("SESSION_TICKETS come only on a TLS 1.3 reply that returns TX to the consumer");
            }
            return new HandshakeReply(s, message, socket, session, placements, keys, handle, tickets);
        }
    }
}
