package io.ktls4j.netty;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.SessionInfo;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.linux.FallbackDecision;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * An established session as a {@link KtlsHandler} placed it: what the handshake negotiated, and for each direction
 * what carries its records and why (the kernel, or the software record layer in the pipeline). Immutable.
 *
 * @param info version, suite, ALPN, SNI, certificates of both ends, PSK identity
 * @param tx where the records this end sends are protected
 * @param rx where the records this end receives are opened
 */
public record KtlsSession(SessionInfo info, FallbackDecision tx, FallbackDecision rx) {

    public KtlsSession {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(tx, "tx");
        Objects.requireNonNull(rx, "rx");
    }

    public TlsVersion version() {
        return info.version();
    }

    public TlsCipherSuite cipherSuite() {
        return info.cipherSuite();
    }

    /** The ALPN protocol, or null when none was negotiated. */
    public String applicationProtocol() {
        return info.applicationProtocol();
    }

    /** The SNI host name the client sent, or null. */
    public String serverName() {
        return info.serverName();
    }

    /** The peer's certificate chain, end entity first; empty when it was not authenticated by certificate. */
    public List<X509Certificate> peerCertificates() {
        return info.peerCertificates();
    }

    /** What carries {@code direction}: {@link BackendKind#KERNEL_SW} or {@link BackendKind#SOFTWARE}. */
    public BackendKind backend(Direction direction) {
        return decision(direction).backend();
    }

    /** Where {@code direction} went and why. */
    public FallbackDecision decision(Direction direction) {
        return direction == Direction.TX ? tx : rx;
    }

    @Override
    public String toString() {
        return "KtlsSession[" + info + ", " + tx + ", " + rx + "]";
    }
}
