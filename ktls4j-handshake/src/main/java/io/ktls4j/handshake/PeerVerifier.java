package io.ktls4j.handshake;

import java.io.IOException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * Checks the peer's certificate chain with a JSSE {@link X509TrustManager} (PKIX path, validity, key usage and
 * extended key usage) and, on a client, the server's identity. A failure becomes the TLS alert RFC 8446 §6.2 names:
 * certificate_expired, unknown_ca or bad_certificate.
 */
final class PeerVerifier {
    private final X509TrustManager trustManager;
    private final boolean verifyHostname;

    /** {@code trustManager} null means the insecure trust-everything mode. */
    PeerVerifier(X509TrustManager trustManager, boolean verifyHostname) {
        this.trustManager = trustManager;
        this.verifyHostname = verifyHostname && trustManager != null;
    }

    boolean verifiesHostname() {
        return verifyHostname;
    }

    void verifyServer(List<X509Certificate> chain, String host, TlsCipherSuite suite) throws IOException {
        if (chain.isEmpty()) {
            throw new TlsFatalAlert(AlertDescription.decode_error, "the server sent no certificate");
        }
        if (trustManager == null) {
            return;
        }
        String authType = suite.keyType() == null ? "UNKNOWN"
                : suite.keyType() == TlsCipherSuite.KeyType.RSA ? "ECDHE_RSA" : "ECDHE_ECDSA";
        try {
            trustManager.checkServerTrusted(chain.toArray(X509Certificate[]::new), authType);
        } catch (CertificateException | RuntimeException e) {
            throw alertFor(e, "server certificate rejected");
        }
        if (verifyHostname) {
            String reason = HostnameMatcher.mismatch(host, chain.get(0));
            if (reason != null) {
                throw new TlsFatalAlert(AlertDescription.bad_certificate, "server certificate rejected: " + reason,
                        new CertificateException(reason));
            }
        }
    }

    void verifyClient(List<X509Certificate> chain) throws IOException {
        if (trustManager == null) {
            return;
        }
        try {
            trustManager.checkClientTrusted(chain.toArray(X509Certificate[]::new),
                    chain.get(0).getPublicKey().getAlgorithm());
        } catch (CertificateException | RuntimeException e) {
            throw alertFor(e, "client certificate rejected");
        }
    }

    /**
     * The peer's chain as JDK certificates.
     *
     * @throws TlsFatalAlert bad_certificate when one of them does not parse (RFC 8446 §6.2: "a certificate was
     *     corrupt"), rather than the internal_error an escaping parser exception would become
     */
    static List<X509Certificate> toX509(Certificate certificate) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        if (certificate != null) {
            for (int i = 0; i < certificate.getLength(); i++) {
                try {
                    chain.add(Credentials.toX509(certificate.getCertificateAt(i).getEncoded()));
                } catch (IOException | RuntimeException e) {
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate " + i + " of the peer's "
                            + "chain cannot be parsed: " + e.getMessage(), e);
                }
            }
        }
        return chain;
    }

    private static TlsFatalAlert alertFor(Exception e, String what) {
        short alert = AlertDescription.bad_certificate;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                alert = AlertDescription.certificate_expired;
                break;
            }
            if (t instanceof CertPathValidatorException cpe
                    && cpe.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                alert = AlertDescription.certificate_expired;
                break;
            }
            if (t instanceof java.security.cert.CertPathBuilderException
                    || (t instanceof CertPathValidatorException c2
                        && c2.getReason() == java.security.cert.PKIXReason.NO_TRUST_ANCHOR)) {
                alert = AlertDescription.unknown_ca;
            }
        }
        return new TlsFatalAlert(alert, what + ": " + e.getMessage(), e);
    }
}
