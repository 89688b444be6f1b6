package io.ktls4j.agent;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a consumer asks of the agent (HANDSHAKE_REQUEST), on the consumer's side: the side it plays, the peer's name,
 * ALPN, how to authenticate, which configured credential to use and how long the handshake may take. Immutable.
 * (Its frame is {@code io.ktls4j.agent.wire.HandshakeRequestFrame}.)
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

        private final int code;

        Side(int code) {
            this.code = code;
        }

        /** The u8 on the wire. */
        public int code() {
            return code;
        }
    }

    /** AUTH: x509 certificates, a TLS 1.3 external PSK, or a client without a certificate. */
    public enum Auth {
        X509(1), PSK(2), ANON(3);

        private final int code;

        Auth(int code) {
            this.code = code;
        }

        /** The u8 on the wire. */
        public int code() {
            return code;
        }
    }

    public static final String DEFAULT_CREDENTIAL = "default";
    public static final long MAX_TIMEOUT_MS = 300_000;

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
