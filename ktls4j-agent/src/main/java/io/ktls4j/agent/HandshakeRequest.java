package io.ktls4j.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a consumer asks of the agent (HANDSHAKE_REQUEST): the side it plays, the peer's name, ALPN, how to
 * authenticate, which configured credential to use and how long the handshake may take. Immutable.
 *
 * <pre>{@code
 * HandshakeRequest.client("example.com").alpn("h2", "http/1.1").build();
 * HandshakeRequest.server().credential("web").timeout(Duration.ofSeconds(5)).build();
 * }</pre>
 *
 * @param peerName client: the server's host name (SNI and certificate check); null on the server side
 * @param timeout null for the credential's default
 */
public record HandshakeRequest(Side side, String peerName, List<String> alpn, Auth auth, String credential,
        Duration timeout) {

    /** SIDE: which end of the TLS handshake the agent plays for the consumer. */
    public enum Side {
        CLIENT(1), SERVER(2);

        final int code;

        Side(int code) {
            this.code = code;
        }
    }

    /** AUTH: x509 certificates, a TLS 1.3 external PSK, or a client without a certificate. */
    public enum Auth {
        X509(1), PSK(2), ANON(3);

        final int code;

        Auth(int code) {
            this.code = code;
        }
    }

    public static final String DEFAULT_CREDENTIAL = "default";
    public static final long MAX_TIMEOUT_MS = 300_000;

    static final int SIDE = 0x01;
    static final int PEER_NAME = 0x02;
    static final int ALPN = 0x03;
    static final int AUTH = 0x04;
    static final int CREDENTIAL = 0x05;
    static final int TIMEOUT_MS = 0x06;

    public HandshakeRequest {
        Objects.requireNonNull(side, "side");
        Objects.requireNonNull(auth, "auth");
        alpn = List.copyOf(alpn);
        credential = credential == null ? DEFAULT_CREDENTIAL : credential;
        if (timeout != null && (timeout.toMillis() < 1 || timeout.toMillis() > MAX_TIMEOUT_MS)) {
            throw new IllegalArgumentException("the timeout must be 1 ms .. 300 s, not " + timeout);
        }
    }

    /** A client request: the agent connects to {@code serverName} as TLS client (x509 by default). */
    public static Builder client(String serverName) {
        return new Builder(Side.CLIENT, serverName);
    }

    /** A server request: the agent accepts a TLS client on the socket (x509 by default). */
    public static Builder server() {
        return new Builder(Side.SERVER, null);
    }

    /** The request as a HANDSHAKE_REQUEST frame (without the descriptor, which travels beside it). */
    public byte[] encode() {
        return encode(Wire.VERSION);
    }

    /**
     * The frame in protocol {@code version}: 1, or 2 to ask the agent to keep a TLS 1.3 session's traffic secrets for
     * KeyUpdates (docs/AGENT.md, "Sessions"). The fields are the same.
     */
    public byte[] encode(int version) {
        Wire.Builder b = new Wire.Builder(version, Wire.TYPE_HANDSHAKE_REQUEST).u8(SIDE, side.code);
        if (peerName != null) {
            b.string(PEER_NAME, peerName);
        }
        for (String p : alpn) {
            b.string(ALPN, p);
        }
        b.u8(AUTH, auth.code);
        if (!credential.equals(DEFAULT_CREDENTIAL)) {
            b.string(CREDENTIAL, credential);
        }
        if (timeout != null) {
            b.u32(TIMEOUT_MS, timeout.toMillis());
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
                    if (p.length() > 255) {
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
                    if (ms < 1 || ms > MAX_TIMEOUT_MS) {
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
            if (s.code == code) {
                return s;
            }
        }
        throw Wire.bad("SIDE must be 1 (client) or 2 (server), got " + code);
    }

    private static Auth auth(int code) throws WireException {
        for (Auth a : Auth.values()) {
            if (a.code == code) {
                return a;
            }
        }
        throw Wire.bad("AUTH must be 1 (x509), 2 (psk) or 3 (anon), got " + code);
    }

    @Override
    public String toString() {
        return "HandshakeRequest[" + side.name().toLowerCase(java.util.Locale.ROOT)
                + (peerName == null ? "" : " " + peerName) + ", " + auth.name().toLowerCase(java.util.Locale.ROOT)
                + ", credential=" + credential + (alpn.isEmpty() ? "" : ", alpn=" + alpn)
                + (timeout == null ? "" : ", timeout=" + timeout.toMillis() + " ms") + "]";
    }

    /** Builds a {@link HandshakeRequest}. */
    public static final class Builder {
        private final Side side;
        private final String peerName;
        private List<String> alpn = List.of();
        private Auth auth = Auth.X509;
        private String credential;
        private Duration timeout;

        Builder(Side side, String peerName) {
            this.side = side;
            this.peerName = peerName;
        }

        /** ALPN protocols in preference order. */
        public Builder alpn(String... protocols) {
            this.alpn = List.of(protocols);
            return this;
        }

        public Builder auth(Auth auth) {
            this.auth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** The configured credential to use (default {@value HandshakeRequest#DEFAULT_CREDENTIAL}). */
        public Builder credential(String name) {
            this.credential = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The handshake timeout (default: the credential's). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public HandshakeRequest build() {
            if (side == Side.CLIENT && auth != Auth.PSK && (peerName == null || peerName.isEmpty())) {
                throw new IllegalArgumentException("a client handshake with " + auth + " needs the server's host name");
            }
            if (side == Side.SERVER && auth == Auth.ANON) {
                throw new IllegalArgumentException("anon is a client mode: a server authenticates with x509 or psk");
            }
            return new HandshakeRequest(side, peerName, alpn, auth, credential, timeout);
        }
    }
}
