package io.ktls4j.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.security.interfaces.ECPrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates, generated at test time into a temporary directory (no private key is committed): a P-256 root
 * CA, server certificates with ECDSA P-256, P-384, RSA and Ed25519 keys for "localhost" and 127.0.0.1, a client
 * certificate, and the ones that must be rejected: expired, issued for another host, and issued by an untrusted CA.
 */
public final class TestPki {
    /** What a module's credentials type is made from: the chain's PEM file and the key's. */
    @FunctionalInterface
    public interface PemLoader<T> {
        T load(Path chainPem, Path keyPem) throws IOException;
    }

    /** A certificate, its key and their PEM files. {@code toString()} leaves the key out. */
    public record Issued(X509Certificate cert, PrivateKey key, Path certPem, Path keyPem, Path chainPem) {
        /** E.g. {@code issued.loadWith(Credentials::fromPem)}. */
        public <T> T loadWith(PemLoader<T> loader) throws IOException {
            return loader.load(chainPem, keyPem);
        }

        @Override
        public String toString() {
            return "Issued[" + cert.getSubjectX500Principal() + ", " + certPem + "]";
        }
    }

    public final Path dir;
    public final Issued ca;
    public final Path caPem;
    public final Issued ecServer;
    public final Issued ec384Server;
    public final Issued rsaServer;
    public final Issued ed25519Server;
    public final Issued client;
    public final Issued expiredServer;
    public final Issued wrongHostServer;
    public final Issued untrustedServer;
    public final Issued untrustedClient;

    private static TestPki shared;

    /** One PKI for the whole test run (RSA key generation is slow). */
    public static synchronized TestPki get() throws Exception {
        if (shared == null) {
            Path dir = Files.createTempDirectory("ktls4j-pki");
            dir.toFile().deleteOnExit();
            shared = new TestPki(dir);
        }
        return shared;
    }

    private TestPki(Path dir) throws Exception {
        this.dir = dir;
        Instant now = Instant.now();
        Instant from = now.minus(Duration.ofDays(1));
        Instant to = now.plus(Duration.ofDays(30));
        ca = selfSigned("ktls4j test CA", ec("secp256r1"), from, to, "ca");
        caPem = ca.certPem();
        List<GeneralName> local = List.of(new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        ecServer = issue(ca, "localhost", ec("secp256r1"), local, from, to, "server-ec", true);
        ec384Server = issue(ca, "localhost", ec("secp384r1"), local, from, to, "server-ec384", false);
        rsaServer = issue(ca, "localhost", rsa(), local, from, to, "server-rsa", false);
        ed25519Server = issue(ca, "localhost", KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), local, from,
                to, "server-ed25519", true);
        client = issue(ca, "ktls4j test client", ec("secp256r1"), List.of(), from, to, "client", true);
        expiredServer = issue(ca, "localhost", ec("secp256r1"), local, now.minus(Duration.ofDays(30)),
                now.minus(Duration.ofDays(1)), "server-expired", true);
        wrongHostServer = issue(ca, "other.example", ec("secp256r1"),
                List.of(new GeneralName(GeneralName.dNSName, "other.example")), from, to, "server-wronghost", true);
        Issued otherCa = selfSigned("untrusted CA", ec("secp256r1"), from, to, "other-ca");
        untrustedServer = issue(otherCa, "localhost", ec("secp256r1"), local, from, to, "server-untrusted", true);
        untrustedClient = issue(otherCa, "untrusted client", ec("secp256r1"), List.of(), from, to,
                "client-untrusted", true);
    }

    /** The server certificate a suite can use: RSA for the TLS 1.2 _RSA_ suites, ECDSA otherwise. */
    public Issued serverFor(String suiteName) {
        return suiteName.contains("_RSA_") ? rsaServer : ecServer;
    }

    /** A PKCS#12 file holding {@code issued} with its chain. */
    public Path pkcs12(Issued issued, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", issued.key(), password, new X509Certificate[] {issued.cert(), ca.cert()});
        Path p = Files.createTempFile(dir, "cred", ".p12");
        try (OutputStream out = Files.newOutputStream(p)) {
            ks.store(out, password);
        }
        return p;
    }

    private static KeyPair ec(String curve) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private Issued selfSigned(String cn, KeyPair kp, Instant from, Instant to, String file) throws Exception {
        X500Name name = new X500Name("CN=" + cn);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(from), Date.from(to),
                name, kp.getPublic());
        JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(kp.getPublic()));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer(kp.getPrivate())));
        return write(cert, kp, file, null, true);
    }

    private Issued issue(Issued issuer, String cn, KeyPair kp, List<GeneralName> sans, Instant from, Instant to,
            String file, boolean pkcs8) throws Exception {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer.cert(), serial(), Date.from(from),
                Date.from(to), new X500Name("CN=" + cn), kp.getPublic());
        JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        int usage = KeyUsage.digitalSignature | (kp.getPublic().getAlgorithm().equals("RSA") ? KeyUsage.keyEncipherment : 0);
        b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
        b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        if (!sans.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(kp.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false,
                u.createAuthorityKeyIdentifier(issuer.cert().getPublicKey()));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer(issuer.key())));
        return write(cert, kp, file, issuer.cert(), pkcs8);
    }

    private Issued write(X509Certificate cert, KeyPair kp, String file, X509Certificate issuer, boolean pkcs8)
            throws Exception {
        PrivateKey key = kp.getPrivate();
        Path certPem = dir.resolve(file + ".crt");
        Path keyPem = dir.resolve(file + ".key");
        Path chainPem = dir.resolve(file + "-chain.crt");
        Files.writeString(certPem, pem(cert));
        Files.writeString(chainPem, pem(cert) + (issuer == null ? "" : pem(issuer)));
        if (key instanceof ECPrivateKey ec) {
            // the JDK's PKCS#8 leaves the public key out of ECPrivateKey, which GnuTLS 3.7 cannot import
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded());
            org.bouncycastle.asn1.sec.ECPrivateKey inner = new org.bouncycastle.asn1.sec.ECPrivateKey(
                    ec.getParams().getOrder().bitLength(), ec.getS(), spki.getPublicKeyData(),
                    spki.getAlgorithm().getParameters());
            Files.writeString(keyPem, pkcs8
                    ? pem(new PemObject("PRIVATE KEY", new PrivateKeyInfo(spki.getAlgorithm(), inner).getEncoded()))
                    : pem(new PemObject("EC PRIVATE KEY", inner.getEncoded())));
        } else {
            Files.writeString(keyPem, pkcs8 ? pem(new JcaPKCS8Generator(key, null)) : pem(key));
        }
        return new Issued(cert, key, certPem, keyPem, chainPem);
    }

    private static String pem(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }

    private static ContentSigner signer(PrivateKey key) throws Exception {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> "SHA256withECDSA";
        };
        return new JcaContentSignerBuilder(alg).build(key);
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }
}
