package io.ktls4j.agent.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A protocol-version-2 operation on a session the agent keeps (docs/AGENT.md, "Sessions"): KEY_UPDATE_TX,
 * PEER_KEY_UPDATE, NEW_SESSION_TICKET or RELEASE, on the Unix connection whose handshake made the session.
 *
 * @param handle the SESSION_HANDLE from the HANDSHAKE_REPLY
 * @param requestUpdate KEY_UPDATE_TX: send {@code update_requested} (the peer is asked to update too)
 * @param message PEER_KEY_UPDATE, NEW_SESSION_TICKET: the whole handshake message as read; otherwise null
 * @param answer PEER_KEY_UPDATE: when the peer asked for an update, also send this end's KeyUpdate now (the consumer
 *     is not writing); false: only the RX key, the consumer sends KEY_UPDATE_TX later
 * @param sendWaitMillis KEY_UPDATE_TX, PEER_KEY_UPDATE: how long the agent may wait for room in the socket's send
 *     buffer (0: answer WOULD_BLOCK at once)
 */
public record SessionRequest(Op op, byte[] handle, boolean requestUpdate, byte[] message, boolean answer,
        long sendWaitMillis) {

    /** The operation, by frame type. */
    public enum Op {
        KEY_UPDATE_TX(Wire.TYPE_KEY_UPDATE_TX, true),
        PEER_KEY_UPDATE(Wire.TYPE_PEER_KEY_UPDATE, true),
        NEW_SESSION_TICKET(Wire.TYPE_NEW_SESSION_TICKET, false),
        RELEASE(Wire.TYPE_RELEASE, false);

        final int type;
        private final boolean withDescriptor;

        Op(int type, boolean withDescriptor) {
            this.type = type;
            this.withDescriptor = withDescriptor;
        }

        /** Whether the frame carries the TCP socket (SCM_RIGHTS). */
        public boolean withDescriptor() {
            return withDescriptor;
        }

        /** The operation of frame type {@code type}, or null. */
        public static Op ofType(int type) {
            for (Op o : values()) {
                if (o.type == type) {
                    return o;
                }
            }
            return null;
        }
    }

    static final int SESSION_HANDLE = HandshakeReply.SESSION_HANDLE;
    static final int REQUEST_UPDATE = 0x20;
    static final int HANDSHAKE_MESSAGE = 0x21;
    static final int ANSWER = 0x22;
    static final int SEND_WAIT_MS = 0x23;
    public static final long DEFAULT_SEND_WAIT_MS = 10_000;
    public static final long MAX_SEND_WAIT_MS = 300_000;

    public SessionRequest {
        Objects.requireNonNull(op, "op");
        if (handle == null || handle.length != HandshakeReply.HANDLE_LENGTH) {
            throw new IllegalArgumentException("a session handle is 16 bytes");
        }
        handle = handle.clone();
        message = message == null ? null : message.clone();
        if ((op == Op.PEER_KEY_UPDATE || op == Op.NEW_SESSION_TICKET) != (message != null)) {
            throw new IllegalArgumentException(op + (message == null ? " needs" : " takes no") + " HANDSHAKE_MESSAGE");
        }
        if (sendWaitMillis < 0 || sendWaitMillis > MAX_SEND_WAIT_MS) {
            throw new IllegalArgumentException("SEND_WAIT_MS must be 0.." + MAX_SEND_WAIT_MS);
        }
        // what an operation does not take has its default, so that equal requests are equal
        requestUpdate = op == Op.KEY_UPDATE_TX && requestUpdate;
        answer = op == Op.PEER_KEY_UPDATE && answer;
        sendWaitMillis = op.withDescriptor ? sendWaitMillis : DEFAULT_SEND_WAIT_MS;
    }

    public static SessionRequest keyUpdateTx(byte[] handle, boolean requestUpdate, long sendWaitMillis) {
        return new SessionRequest(Op.KEY_UPDATE_TX, handle, requestUpdate, null, false, sendWaitMillis);
    }

    public static SessionRequest peerKeyUpdate(byte[] handle, byte[] keyUpdate, boolean answer, long sendWaitMillis) {
        return new SessionRequest(Op.PEER_KEY_UPDATE, handle, false, keyUpdate, answer, sendWaitMillis);
    }

    public static SessionRequest newSessionTicket(byte[] handle, byte[] ticket) {
        return new SessionRequest(Op.NEW_SESSION_TICKET, handle, false, ticket, false, DEFAULT_SEND_WAIT_MS);
    }

    public static SessionRequest release(byte[] handle) {
        return new SessionRequest(Op.RELEASE, handle, false, null, false, DEFAULT_SEND_WAIT_MS);
    }

    @Override
    public byte[] handle() {
        return handle.clone();
    }

    @Override
    public byte[] message() {
        return message == null ? null : message.clone();
    }

    /** The version-2 frame; only the fields the operation takes, defaults left out. */
    public byte[] encode() {
        Wire.Builder b = new Wire.Builder(Wire.VERSION_2, op.type).bytes(SESSION_HANDLE, handle);
        if (op == Op.KEY_UPDATE_TX && requestUpdate) {
            b.u8(REQUEST_UPDATE, 1);
        }
        if (message != null) {
            b.bytes(HANDSHAKE_MESSAGE, message);
        }
        if (op == Op.PEER_KEY_UPDATE && !answer) {
            b.u8(ANSWER, 0);
        }
        if (op.withDescriptor && sendWaitMillis != DEFAULT_SEND_WAIT_MS) {
            b.u32(SEND_WAIT_MS, sendWaitMillis);
        }
        return b.toBytes();
    }

    /**
     * Parses the fields of a frame of type {@code op}.
     *
     * @throws WireException BAD_REQUEST for a missing, repeated, malformed or misplaced field
     */
    public static SessionRequest decode(Op op, List<Wire.Field> fields) throws WireException {
        byte[] handle = null;
        Integer requestUpdate = null;
        byte[] message = null;
        Integer answer = null;
        Long wait = null;
        for (Wire.Field f : fields) {
            switch (f.tag()) {
                case SESSION_HANDLE -> {
                    Wire.once(handle, f);
                    if (f.value().length != HandshakeReply.HANDLE_LENGTH) {
                        throw Wire.bad("SESSION_HANDLE must be 16 bytes, got " + f.value().length);
                    }
                    handle = f.value();
                }
                case REQUEST_UPDATE -> {
                    Wire.once(requestUpdate, f);
                    only(op, f, "REQUEST_UPDATE", Op.KEY_UPDATE_TX);
                    requestUpdate = bool(f, "REQUEST_UPDATE");
                }
                case HANDSHAKE_MESSAGE -> {
                    Wire.once(message, f);
                    only(op, f, "HANDSHAKE_MESSAGE", Op.PEER_KEY_UPDATE, Op.NEW_SESSION_TICKET);
                    message = f.value();
                }
                case ANSWER -> {
                    Wire.once(answer, f);
                    only(op, f, "ANSWER", Op.PEER_KEY_UPDATE);
                    answer = bool(f, "ANSWER");
                }
                case SEND_WAIT_MS -> {
                    Wire.once(wait, f);
                    only(op, f, "SEND_WAIT_MS", Op.KEY_UPDATE_TX, Op.PEER_KEY_UPDATE);
                    wait = Wire.u32(f);
                    if (wait > MAX_SEND_WAIT_MS) {
                        throw Wire.bad("SEND_WAIT_MS must be 0.." + MAX_SEND_WAIT_MS + ", got " + wait);
                    }
                }
                default -> Wire.unknown(f);
            }
        }
        if (handle == null) {
            throw Wire.bad("SESSION_HANDLE (0x0f) is missing");
        }
        if ((op == Op.PEER_KEY_UPDATE || op == Op.NEW_SESSION_TICKET) && message == null) {
            throw Wire.bad(op + " needs HANDSHAKE_MESSAGE (0x21)");
        }
        return new SessionRequest(op, handle, requestUpdate != null && requestUpdate == 1, message,
                answer == null || answer == 1, wait == null ? DEFAULT_SEND_WAIT_MS : wait);
    }

    private static void only(Op op, Wire.Field f, String name, Op... allowed) throws WireException {
        if (!Arrays.asList(allowed).contains(op)) {
            throw Wire.bad(String.format("field 0x%04x (%s) does not belong in %s", f.tag(), name, op));
        }
    }

    private static int bool(Wire.Field f, String name) throws WireException {
        int v = Wire.u8(f);
        if (v > 1) {
            throw Wire.bad(name + " must be 0 or 1, got " + v);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionRequest r && r.op == op && Arrays.equals(r.handle, handle)
                && r.requestUpdate == requestUpdate && Arrays.equals(r.message, message) && r.answer == answer
                && r.sendWaitMillis == sendWaitMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, Arrays.hashCode(handle), requestUpdate, Arrays.hashCode(message), answer,
                sendWaitMillis);
    }

    /** The operation and a short prefix of the handle (a handle is not a secret, but need not be logged whole). */
    @Override
    public String toString() {
        return op + "[session " + HexFormat.of().formatHex(handle, 0, 4) + "…"
                + (op == Op.KEY_UPDATE_TX ? (requestUpdate ? ", update_requested" : ", update_not_requested") : "")
                + (message != null ? ", message of " + message.length + " bytes" : "")
                + (op == Op.PEER_KEY_UPDATE ? (answer ? ", may answer" : ", RX only") : "") + "]";
    }
}
