package io.ktls4j.agent.daemon;

import io.ktls4j.TlsVersion;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.handshake.ClientAuth;
import io.ktls4j.handshake.Credentials;
import io.ktls4j.handshake.TlsCipherSuite;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The configuration without a file: one credential, {@value HandshakeRequest#DEFAULT_CREDENTIAL}, holding the
 * self-signed localhost certificate that {@code ktls serve} uses: the same files ({@code localhost-cert.pem},
 * {@code localhost-key.pem}) in the same state directory, made here in the same form (ECDSA P-256; SAN DNS:localhost,
 * IP:127.0.0.1, IP:::1; key mode 0600) when neither program has made them yet. The CLI's own generator is
 * package-private in ktls4j-cli, which cannot be a dependency of this module, hence this twin.
 */
public final class DefaultCredential {
    public static final String CERT_FILE = "localhost-cert.pem";
    public static final String KEY_FILE = "localhost-key.pem";
    private static final Duration VALIDITY = Duration.ofDays(825);

    private DefaultCredential() {
    }

    /** {@code $XDG_STATE_HOME/ktls4j} when XDG_STATE_HOME is absolute, else {@code ~/.local/state/ktls4j}. */
    public static Path stateDir(Path override, Map<String, String> env) {
        if (override != null) {
            return override;
        }
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "ktls4j");
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "ktls4j");
    }

    /**
     * The built-in configuration: the localhost credential (made now if missing), usable by {@code agentUid} only,
     * both sides; the client side trusts the system CAs and the localhost certificate.
     */
    public static AgentConfig config(Path stateDir, int agentUid) throws IOException {
        ensure(stateDir);
        Path cert = stateDir.resolve(CERT_FILE);
        Path key = stateDir.resolve(KEY_FILE);
        Credentials credentials = Credentials.fromPem(cert, key);
        CredentialConfig c = new CredentialConfig(HandshakeRequest.DEFAULT_CREDENTIAL, credentials,
                Trust.either(Trust.system(), Trust.pemBundle(cert)), null, ClientAuth.NONE, EnumSet.allOf(Side.class),
                List.of(TlsVersion.TLS_1_3, TlsVersion.TLS_1_2), List.of(TlsCipherSuite.values()), Set.of(agentUid),
                Set.of(), false, false, AgentConfig.DEFAULT_TIMEOUT, true);
        return new AgentConfig("built-in default (" + cert + ")", Map.of(c.name(), c),
                AgentConfig.DEFAULT_MAX_CONCURRENT, AgentConfig.DEFAULT_TIMEOUT);
    }

    /**
     * Makes the self-signed localhost credential in {@code stateDir} when it is missing (ECDSA P-256, SAN
     * DNS:localhost, IP:127.0.0.1, IP:::1; key file mode 0600); the one generator behind {@code ktls serve}'s embedded
     * default and the agent's. Returns true when this call made it.
     */
    public static boolean ensure(Path stateDir) throws IOException {
        Path cert = stateDir.resolve(CERT_FILE);
        Path key = stateDir.resolve(KEY_FILE);
        if (Files.isRegularFile(cert) && Files.isRegularFile(key)) {
            return false;
        }
        Files.createDirectories(stateDir);
        generate(cert, key);
        return true;
    }

    private static void generate(Path cert, Path key) throws IOException {
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
            kpg.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair kp = kpg.generateKeyPair();
            X500Name name = new X500Name("CN=localhost,O=ktls4j self-signed");
            Instant now = Instant.now();
            var b = new JcaX509v3CertificateBuilder(name, new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), name, kp.getPublic());
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1"),
            }));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
            var holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
            writeKey(key, pem(new JcaPKCS8Generator(kp.getPrivate(), null)));
            Path tmp = cert.resolveSibling(cert.getFileName() + ".tmp");
            Files.writeString(tmp, pem(CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(holder.getEncoded()))), StandardCharsets.US_ASCII);
            Files.move(tmp, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create the self-signed localhost certificate: " + e.getMessage(), e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    /** Created with mode 0600 before a byte of the key is written, then moved into place. */
    private static void writeKey(Path key, String pem) throws IOException {
        Path tmp = key.resolveSibling(key.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("another process is creating " + key + " right now", e);
        }
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING)) {
            w.write(pem);
        }
        Files.move(tmp, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
