package io.ktls4j.agent.wire;

import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Auth;
import io.ktls4j.agent.HandshakeRequest.Side;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * HANDSHAKE_REQUEST (type 1) on the wire, both sides: the consumer encodes its {@link HandshakeRequest}, the daemon
 * decodes it (docs/AGENT.md, "HANDSHAKE_REQUEST"). The descriptor travels beside the frame, not in it.
 */
public final class HandshakeRequestFrame {
    static final int SIDE = 0x01;
    static final int PEER_NAME = 0x02;
    static final int ALPN = 0x03;
    static final int AUTH = 0x04;
    static final int CREDENTIAL = 0x05;
    static final int TIMEOUT_MS = 0x06;

    private HandshakeRequestFrame() {
    }

    /** The request as a version-1 frame. */
    public static byte[] encode(HandshakeRequest r) {
        return encode(r, Wire.VERSION);
    }

    /**
     * The frame in protocol {@code version}: 1, or 2 to ask the agent to keep a TLS 1.3 session's traffic secrets for
     * KeyUpdates (docs/AGENT.md, "Sessions"). The fields are the same.
     */
    public static byte[] encode(HandshakeRequest r, int version) {
        Wire.Builder b = new Wire.Builder(version, Wire.TYPE_HANDSHAKE_REQUEST).u8(SIDE, r.side().code());
        if (r.peerName() != null) {
            b.string(PEER_NAME, r.peerName());
        }
        for (String p : r.alpn()) {
            b.string(ALPN, p);
        }
        b.u8(AUTH, r.auth().code());
        if (!r.credential().equals(HandshakeRequest.DEFAULT_CREDENTIAL)) {
            b.string(CREDENTIAL, r.credential());
        }
        if (r.timeout() != null) {
            b.u32(TIMEOUT_MS, r.timeout().toMillis());
        }
        return b.toBytes();
    }

    /**
     * Parses the fields of a HANDSHAKE_REQUEST body.
     *
     * @throws WireException BAD_REQUEST for a missing, repeated, unknown or invalid field
     */
    public static HandshakeRequest decode(List<Wire.Field> fields) throws WireException {
        Side side = null;
        Auth auth = null;
        String peer = null;
        String credential = null;
        Duration timeout = null;
        List<String> alpn = new ArrayList<>();
        for (Wire.Field f : fields) {
            switch (f.tag()) {
                case SIDE -> {
                    Wire.once(side, f);
                    side = side(Wire.u8(f));
                }
                case PEER_NAME -> {
                    Wire.once(peer, f);
                    peer = Wire.string(f);
                }
                case ALPN -> {
                    String p = Wire.string(f);
                    if (f.value().length > 255) { // bytes, as TLS counts them, not chars
                        throw Wire.bad("an ALPN protocol name is at most 255 bytes");
                    }
                    alpn.add(p);
                }
                case AUTH -> {
                    Wire.once(auth, f);
                    auth = auth(Wire.u8(f));
                }
                case CREDENTIAL -> {
                    Wire.once(credential, f);
                    credential = Wire.string(f);
                }
                case TIMEOUT_MS -> {
                    Wire.once(timeout, f);
                    long ms = Wire.u32(f);
                    if (ms < 1 || ms > HandshakeRequest.MAX_TIMEOUT_MS) {
                        throw Wire.bad("TIMEOUT_MS must be 1..300000, got " + ms);
                    }
                    timeout = Duration.ofMillis(ms);
                }
                default -> Wire.unknown(f);
            }
        }
        if (side == null) {
            throw Wire.bad("SIDE (0x01) is missing");
        }
        if (auth == null) {
            throw Wire.bad("AUTH (0x04) is missing");
        }
        if (side == Side.CLIENT && auth != Auth.PSK && peer == null) {
            throw Wire.bad("a client request with " + auth + " needs PEER_NAME (0x02), the server's host name");
        }
        return new HandshakeRequest(side, side == Side.CLIENT ? peer : null, alpn, auth, credential, timeout);
    }

    private static Side side(int code) throws WireException {
        for (Side s : Side.values()) {
            if (s.code() == code) {
                return s;
            }
        }
        throw Wire.bad("SIDE must be 1 (client) or 2 (server), got " + code);
    }

    private static Auth auth(int code) throws WireException {
        for (Auth a : Auth.values()) {
            if (a.code() == code) {
                return a;
            }
        }
        throw Wire.bad("AUTH must be 1 (x509), 2 (psk) or 3 (anon), got " + code);
    }
}
