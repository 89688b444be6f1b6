package io.ktls4j.agent.wire;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.SocketState;
import java.util.List;
import java.util.Map;

/**
 * The agent's answer to a session operation (SESSION_REPLY, protocol version 2): a status and, after a KeyUpdate, the
 * new generations, whether the agent itself sent this end's KeyUpdate and switched TX on the socket (a kernel
 * direction), and the next keys of the directions the consumer's software record layer carries. {@link #destroy()}
 * zeroes those keys; {@link #toString()} never shows them.
 */
public final class SessionReply extends AgentReply {
    static final int TX_CRYPTO_INFO = KeyFields.TX_CRYPTO_INFO;
    static final int RX_CRYPTO_INFO = KeyFields.RX_CRYPTO_INFO;
    static final int TX_GENERATION = 0x24;
    static final int RX_GENERATION = 0x25;
    static final int TX_UPDATED = 0x26;
    static final int TICKETS = 0x27;

    private final long txGeneration;
    private final long rxGeneration;
    private final boolean txUpdated;
    private final long tickets;

    private SessionReply(AgentStatus status, String message, SocketState socketState, long txGeneration,
            long rxGeneration, boolean txUpdated, long tickets, Map<Direction, CryptoInfo> nextKeys) {
        super(status, message, socketState, nextKeys);
        this.txGeneration = txGeneration;
        this.rxGeneration = rxGeneration;
        this.txUpdated = txUpdated;
        this.tickets = tickets;
    }

    /** A refusal or failure; {@code socketState} says whether the agent touched the socket. */
    public static SessionReply failure(AgentStatus status, SocketState socketState, String message) {
        if (status == AgentStatus.OK) {
            throw new IllegalArgumentException("a failure needs a failing status");
        }
        return new SessionReply(status, message, socketState, -1, -1, false, -1, Map.of());
    }

    /**
     * A success. {@code nextKeys} holds the next keys of software directions that changed (the reply takes
     * ownership); {@code txUpdated}: the agent sent this end's KeyUpdate and installed TX on the socket.
     */
    public static SessionReply success(long txGeneration, long rxGeneration, boolean txUpdated, long tickets,
            Map<Direction, CryptoInfo> nextKeys) {
        return new SessionReply(AgentStatus.OK, null, SocketState.ESTABLISHED, txGeneration, rxGeneration, txUpdated,
                tickets, nextKeys);
    }

    /** KeyUpdates this end has sent in the session, after the operation (-1 unless OK). */
    public long txGeneration() {
        return txGeneration;
    }

    /** KeyUpdates of the peer followed in the session, after the operation (-1 unless OK). */
    public long rxGeneration() {
        return rxGeneration;
    }

    /** True when the agent sent this end's KeyUpdate on the socket and installed the next TX key there. */
    public boolean txUpdated() {
        return txUpdated;
    }

    /** NewSessionTickets acknowledged in the session (-1 unless OK). */
    public long tickets() {
        return tickets;
    }

    /**
     * The next key of a {@link io.ktls4j.agent.Placement#SOFTWARE} direction that changed, owned by this reply, or null. For TX the
     * consumer first sends the KeyUpdate under the current key, then installs this.
     */
    public CryptoInfo nextKey(Direction direction) {
        return keys.get(direction);
    }

    /** The SESSION_REPLY frame; the caller zeroes it after sending when it carries keys. */
    public byte[] encode() {
        Wire.Builder b = begin(Wire.VERSION_2, Wire.TYPE_SESSION_REPLY);
        if (status == AgentStatus.OK) {
            b.u32(TX_GENERATION, txGeneration).u32(RX_GENERATION, rxGeneration).u8(TX_UPDATED, txUpdated ? 1 : 0)
                    .u32(TICKETS, tickets);
        }
        return finish(b);
    }

    /**
     * Parses the fields of a SESSION_REPLY body; the caller zeroes the body afterwards.
     *
     * @throws WireException for a malformed reply (its key fields, and any keys already parsed, are zeroed)
     */
    public static SessionReply decode(List<Wire.Field> fields) throws WireException {
        Common c = new Common();
        Long tx = null;
        Long rx = null;
        Integer updated = null;
        Long count = null;
        try {
            for (Wire.Field f : fields) {
                if (c.take(f)) {
                    continue;
                }
                switch (f.tag()) {
                    case TX_GENERATION -> {
                        Wire.once(tx, f);
                        tx = Wire.u32(f);
                    }
                    case RX_GENERATION -> {
                        Wire.once(rx, f);
                        rx = Wire.u32(f);
                    }
                    case TX_UPDATED -> {
                        Wire.once(updated, f);
                        updated = Wire.u8(f);
                    }
                    case TICKETS -> {
                        Wire.once(count, f);
                        count = Wire.u32(f);
                    }
                    default -> Wire.unknown(f);
                }
            }
            AgentStatus s = c.status();
            if (s != AgentStatus.OK) {
                return failure(s, c.socketState(s), c.message);
            }
            if (tx == null || rx == null || updated == null || count == null) {
                throw Wire.bad("an OK reply needs TX_GENERATION, RX_GENERATION, TX_UPDATED and TICKETS");
            }
            if (updated == 1 && c.keys.containsKey(Direction.TX)) {
                throw Wire.bad("TX was updated on the socket and returned as well");
            }
            return new SessionReply(s, c.message, SocketState.ESTABLISHED, tx, rx, updated == 1, count, c.keys);
        } catch (WireException | RuntimeException e) {
            KeyFields.wipe(fields);
            KeyFields.destroy(c.keys);
            throw e;
        }
    }

    @Override
    public String toString() {
        if (status != AgentStatus.OK) {
            return describeFailure("SessionReply");
        }
        return "SessionReply[OK, TX generation " + txGeneration + (txUpdated ? " (updated on the socket)" : "")
                + ", RX generation " + rxGeneration + ", tickets " + tickets + ", keys returned for "
                + keys.keySet() + "]";
    }
}
