package io.ktls4j.cli;

import io.ktls4j.agent.daemon.DefaultCredential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * The embedded default of {@code ktls serve}: a self-signed ECDSA P-256 certificate for {@code localhost}
 * (SAN DNS:localhost, IP:127.0.0.1, IP:::1), made on first run and kept in the state directory, so that
 * {@code curl --cacert <cert>} trusts the server from then on.
 *
 * @param certificate the PEM certificate file (also what clients trust)
 * @param privateKey the PEM PKCS#8 key file, mode 0600
 * @param created true when this run made them
 */
record SelfSignedCertificate(Path certificate, Path privateKey, boolean created) {
    static final String CERT_FILE = DefaultCredential.CERT_FILE;
    static final String KEY_FILE = DefaultCredential.KEY_FILE;

    /** The certificate in {@code stateDir}, made now when it is missing (the same files as the agent's default). */
    static SelfSignedCertificate loadOrCreate(Path stateDir) throws IOException {
        boolean created = DefaultCredential.ensure(stateDir);
        return new SelfSignedCertificate(stateDir.resolve(CERT_FILE), stateDir.resolve(KEY_FILE), created);
    }

    /** SHA-256 over the DER certificate, as {@code AB:CD:...} (what {@code openssl x509 -fingerprint -sha256} prints). */
    String sha256Fingerprint() throws IOException {
        try {
            byte[] der = read(certificate).getEncoded();
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot fingerprint " + certificate + ": " + e.getMessage(), e);
        }
    }

    /** The base64 SHA-256 of the public key, for {@code curl --pinnedpubkey sha256//...}. */
    String publicKeyPin() throws IOException {
        try {
            byte[] spki = read(certificate).getPublicKey().getEncoded();
            return "sha256//" + java.util.Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot hash the public key of " + certificate + ": " + e.getMessage(), e);
        }
    }

    static X509Certificate read(Path pem) throws IOException {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the certificate " + pem + ": " + e.getMessage(), e);
        }
    }
}
