package io.ktls4j.handshake;

import io.ktls4j.TlsVersion;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What was negotiated: version, suite, ALPN protocol, the server name (SNI) the client asked for, the certificates
 * of both ends, the external PSK identity when one was used, whether an earlier session was resumed, and the
 * key exchange group. Immutable.
 *
 * @param applicationProtocol the ALPN protocol, or null when none was negotiated
 * @param serverName the SNI host name the client sent (both ends see it), or null
 * @param peerCertificates the peer's chain, end entity first; empty when the peer was not authenticated by certificate
 * @param localCertificates our chain as sent; empty when we sent none
 * @param pskIdentity the external PSK identity used, or null
 * @param resumed true when the handshake resumed an earlier session (a TLS 1.3 ticket with psk_dhe_ke, a TLS 1.2
 *     session ID or ticket): no certificate was sent, and the certificates are those of the session resumed
 * @param group the key exchange group (ECDHE or hybrid), or null when unknown (a connection adopted from elsewhere)
 */
public record SessionInfo(TlsVersion version, TlsCipherSuite cipherSuite, String applicationProtocol,
        String serverName, List<X509Certificate> peerCertificates, List<X509Certificate> localCertificates,
        byte[] pskIdentity, boolean resumed, TlsGroup group) {

    /** A full handshake whose group is not known. */
    public SessionInfo(TlsVersion version, TlsCipherSuite cipherSuite, String applicationProtocol,
            String serverName, List<X509Certificate> peerCertificates, List<X509Certificate> localCertificates,
            byte[] pskIdentity) {
        this(version, cipherSuite, applicationProtocol, serverName, peerCertificates, localCertificates, pskIdentity,
                false, null);
    }

    public SessionInfo {
        peerCertificates = List.copyOf(peerCertificates);
        localCertificates = List.copyOf(localCertificates);
        pskIdentity = pskIdentity == null ? null : pskIdentity.clone();
    }

    @Override
    public byte[] pskIdentity() {
        return pskIdentity == null ? null : pskIdentity.clone();
    }

    @Override
    public String toString() {
        return "SessionInfo[" + version + ", " + cipherSuite + (applicationProtocol == null ? "" : ", alpn="
                + applicationProtocol) + (serverName == null ? "" : ", sni=" + serverName)
                + (peerCertificates.isEmpty() ? "" : ", peer=" + peerCertificates.get(0).getSubjectX500Principal())
                + (pskIdentity == null ? "" : ", psk") + (group == null ? "" : ", " + group)
                + (resumed ? ", resumed" : "") + "]";
    }
}
