package io.ktls4j.handshake;

import java.io.IOException;
import java.util.Vector;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/** Picks the signature scheme for our credentials from what the peer accepts, and builds BouncyCastle's signer. */
final class Signers {
    private Signers() {
    }

    static TlsCredentialedSigner create(TlsContext context, TlsCrypto crypto, Credentials credentials,
            Vector<?> peerSigAlgs, boolean tls13, byte[] certificateRequestContext) throws IOException {
        int scheme = choose(credentials, peerSigAlgs, tls13);
        Certificate certificate = certificateMessage(crypto, credentials, tls13,
                certificateRequestContext);
        SignatureAndHashAlgorithm algorithm = SignatureScheme.getSignatureAndHashAlgorithm(scheme);
        if (HandshakeCrypto.signsWithBouncyCastle(crypto)) {
            return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context),
                    HandshakeCrypto.lightweight(crypto), credentials.privateKey(), certificate, algorithm);
        }
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), (JcaTlsCrypto) crypto,
                credentials.jcaPrivateKey(), certificate, algorithm);
    }

    static int choose(Credentials credentials, Vector<?> peerSigAlgs, boolean tls13) throws IOException {
        int[] candidates = candidates(credentials, tls13);
        if (peerSigAlgs == null) {
            if (tls13) {
                throw new TlsFatalAlert(AlertDescription.missing_extension, "the peer sent no signature_algorithms");
            }
            return candidates[0];
        }
        for (int scheme : candidates) {
            for (Object o : peerSigAlgs) {
                if (SignatureScheme.from((SignatureAndHashAlgorithm) o) == scheme) {
                    return scheme;
                }
            }
        }
        throw new TlsFatalAlert(AlertDescription.handshake_failure, "the peer accepts no signature scheme that the "
                + credentials.keyKind() + " key of " + credentials + " can make");
    }

    private static int[] candidates(Credentials credentials, boolean tls13) {
        return switch (credentials.keyKind()) {
            case RSA -> tls13
                    ? new int[] {SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pss_rsae_sha384,
                        SignatureScheme.rsa_pss_rsae_sha512}
                    : new int[] {SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pss_rsae_sha384,
                        SignatureScheme.rsa_pss_rsae_sha512, SignatureScheme.rsa_pkcs1_sha256,
                        SignatureScheme.rsa_pkcs1_sha384, SignatureScheme.rsa_pkcs1_sha512};
            case EC -> {
                int matched = switch (credentials.ecFieldBits()) {
                    case 384 -> SignatureScheme.ecdsa_secp384r1_sha384;
                    case 521 -> SignatureScheme.ecdsa_secp521r1_sha512;
                    default -> SignatureScheme.ecdsa_secp256r1_sha256;
                };
                yield tls13 ? new int[] {matched}
                        : new int[] {matched, SignatureScheme.ecdsa_secp256r1_sha256,
                            SignatureScheme.ecdsa_secp384r1_sha384, SignatureScheme.ecdsa_secp521r1_sha512};
            }
            case ED25519 -> new int[] {SignatureScheme.ed25519};
        };
    }

    private static Certificate certificateMessage(TlsCrypto crypto, Credentials credentials, boolean tls13,
            byte[] certificateRequestContext) throws IOException {
        TlsCertificate[] certs = credentials.tlsCertificates(crypto);
        if (!tls13) {
            return new Certificate(certs);
        }
        CertificateEntry[] entries = new CertificateEntry[certs.length];
        for (int i = 0; i < certs.length; i++) {
            entries[i] = new CertificateEntry(certs[i], null);
        }
        return new Certificate(certificateRequestContext == null ? new byte[0] : certificateRequestContext, entries);
    }
}
