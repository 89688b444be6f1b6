package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.http.ConnectionService;
import io.ktls4j.http.HttpConnection;
import io.ktls4j.http.Transport;
import io.ktls4j.http.Watchdog;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * {@code ktls proxy}'s service on each accepted connection: once the TLS handshake is done, connect to the backend
 * and relay the plaintext both ways ({@link RelayedConnection}).
 *
 * @param backend where the plaintext goes, resolved at each connection
 * @param connectTimeout how long connecting to the backend may take
 * @param idleTimeout how long both directions may stay without a byte before both connections are closed
 * @param splice when the bytes move by {@code splice(2)}
 * @param tlsOut how to speak TLS to the backend ({@code --to-tls}), or null for plain TCP
 * @param proxyProtocol whether the backend gets a PROXY protocol v2 header first ({@link ProxyProtocolHeader})
 */
record ProxyRelay(HostPort backend, Duration connectTimeout, Duration idleTimeout, Splice splice, TlsOut tlsOut,
                  boolean proxyProtocol) implements ConnectionService {

    /**
     * TLS to the backend: a client handshake after the TCP connect, within the same connect timeout.
     *
     * @param serverName sent as SNI and checked in the backend's certificate
     */
    record TlsOut(KtlsContext context, String serverName) {
    }

    /** When a connection's bytes move by {@code splice(2)} rather than through the JVM. */
    enum Splice {
        /** When both directions of the TLS session are in the kernel: the plaintext never enters the JVM. */
        AUTO,
        /** Never: always through a buffer in the JVM. */
        OFF,
        /** With any record layer, the software one included (its side of each pipe then runs in the JVM). */
        ALWAYS;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Override
    public Conversation open(Transport.Session session, SocketAddress peer, HttpConnection.Activity activity,
                             Watchdog watchdog) {
        return new RelayedConnection(session, this, activity, watchdog);
    }

    @Override
    public String workInProgress() {
        return "the relayed stream";
    }
}
