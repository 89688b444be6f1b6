package io.ktls4j.agent.wire;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.SocketState;
import java.util.EnumMap;
import java.util.Map;
import javax.security.auth.Destroyable;

/**
 * What every answer of the agent has: STATUS, MESSAGE, SOCKET_STATE and, for directions the consumer's software record
 * layer carries, record keys (TX_CRYPTO_INFO / RX_CRYPTO_INFO), which {@link #destroy()} zeroes and {@link #toString()}
 * never shows.
 */
public abstract sealed class AgentReply implements Destroyable permits HandshakeReply, SessionReply {
    static final int STATUS = 0x01;
    static final int MESSAGE = 0x02;
    static final int SOCKET_STATE = 0x0E;

    final AgentStatus status;
    final String message;
    final SocketState socketState;
    /** The record keys the reply carries, owned by it. */
    final Map<Direction, CryptoInfo> keys;

    AgentReply(AgentStatus status, String message, SocketState socketState, Map<Direction, CryptoInfo> keys) {
        this.status = status;
        this.message = message;
        this.socketState = socketState;
        this.keys = new EnumMap<>(Direction.class);
        this.keys.putAll(keys);
    }

    public AgentStatus status() {
        return status;
    }

    /** The detail the agent gave, or null. */
    public String message() {
        return message;
    }

    /** What became of the consumer's TCP socket. */
    public SocketState socketState() {
        return socketState;
    }

    /** A frame of {@code type} with STATUS and, when there is one, MESSAGE. */
    Wire.Builder begin(int version, int type) {
        Wire.Builder b = new Wire.Builder(version, type).u16(STATUS, status.code());
        if (message != null && !message.isEmpty()) {
            b.string(MESSAGE, HandshakeReply.clip(message));
        }
        return b;
    }

    /** Ends the frame: the keys, then SOCKET_STATE. The caller zeroes the result when it carries keys. */
    byte[] finish(Wire.Builder b) {
        KeyFields.encode(b, keys);
        b.u8(SOCKET_STATE, socketState.code());
        return b.toBytes();
    }

    /** Zeroes the keys, if any. */
    @Override
    public void destroy() {
        KeyFields.destroy(keys);
    }

    @Override
    public boolean isDestroyed() {
        return KeyFields.isDestroyed(keys);
    }

    /** {@code name[STATUS: message, socket STATE]}, for a reply that is not OK. */
    String describeFailure(String name) {
        return name + "[" + status + (message == null ? "" : ": " + message) + ", socket " + socketState + "]";
    }

    /** The fields every reply has, while parsing one. */
    static class Common {
        Integer status;
        String message;
        SocketState state;
        final Map<Direction, CryptoInfo> keys = new EnumMap<>(Direction.class);

        /** Takes {@code f} if it is one of the common fields; false otherwise. */
        boolean take(Wire.Field f) throws WireException {
            switch (f.tag()) {
                case STATUS -> {
                    Wire.once(status, f);
                    status = Wire.u16(f);
                }
                case MESSAGE -> {
                    Wire.once(message, f);
                    message = Wire.string(f);
                }
                case SOCKET_STATE -> {
                    Wire.once(state, f);
                    state = socketStateOf(Wire.u8(f));
                }
                case KeyFields.TX_CRYPTO_INFO, KeyFields.RX_CRYPTO_INFO -> KeyFields.take(f, keys);
                default -> {
                    return false;
                }
            }
            return true;
        }

        /** The status; a missing one, keys on a failure, or an OK whose socket is not established, is malformed. */
        AgentStatus status() throws WireException {
            if (status == null) {
                throw Wire.bad("STATUS (0x01) is missing");
            }
            AgentStatus s = AgentStatus.of(status);
            if (s != AgentStatus.OK && !keys.isEmpty()) {
                throw Wire.bad("a failed reply carries keys");
            }
            if (s == AgentStatus.OK && state != null && state != SocketState.ESTABLISHED) {
                throw Wire.bad("an OK reply's SOCKET_STATE must be 2 (established), got " + state.code());
            }
            return s;
        }

        SocketState socketState(AgentStatus s) {
            return state != null ? state : implied(s);
        }
    }

    /** The state a status implies when a reply does not say. */
    static SocketState implied(AgentStatus status) {
        return status == AgentStatus.OK ? SocketState.ESTABLISHED : status.socketUntouched() ? SocketState.UNTOUCHED
                : SocketState.UNUSABLE;
    }

    private static SocketState socketStateOf(int code) throws WireException {
        for (SocketState s : SocketState.values()) {
            if (s.code() == code) {
                return s;
            }
        }
        throw Wire.bad("SOCKET_STATE must be 1..3, got " + code);
    }
}
