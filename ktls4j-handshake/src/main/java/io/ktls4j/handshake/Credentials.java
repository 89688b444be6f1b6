package io.ktls4j.handshake;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * A certificate chain (end entity first) and its private key: what a server presents, or a client for mutual TLS.
 * Keys may be RSA, ECDSA (P-256, P-384, P-521) or Ed25519; loading checks that the key belongs to the certificate.
 * Immutable; {@link #toString()} shows the subject and key type only.
 */
public final class Credentials {
    /** The signature families a key can sign with. */
    enum KeyKind { RSA, EC, ED25519 }

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private final List<X509Certificate> chain;
    private final AsymmetricKeyParameter privateKey;
    private final KeyKind kind;
    private final int ecFieldBits;
    /**
     * The chain as the handshake's crypto holds it, parsed once for the crypto that asked last: parsing it again for
     * each handshake cost ~2.5% of a server's CPU per full handshake (profiled). BouncyCastle only reads and encodes
     * these certificates, so concurrent handshakes share them.
     */
    private volatile ParsedChain parsed;

    private record ParsedChain(TlsCrypto crypto, TlsCertificate[] certificates) {
    }

    private Credentials(List<X509Certificate> chain, AsymmetricKeyParameter privateKey) throws IOException {
        if (chain.isEmpty()) {
            throw new IOException("no certificate found for the private key");
        }
        this.chain = List.copyOf(chain);
        this.privateKey = privateKey;
        if (privateKey instanceof RSAKeyParameters) {
            kind = KeyKind.RSA;
            ecFieldBits = 0;
        } else if (privateKey instanceof ECPrivateKeyParameters ec) {
            kind = KeyKind.EC;
            ecFieldBits = ec.getParameters().getCurve().getFieldSize();
        } else if (privateKey instanceof Ed25519PrivateKeyParameters) {
            kind = KeyKind.ED25519;
            ecFieldBits = 0;
        } else {
            throw new IOException("unsupported private key type " + privateKey.getClass().getSimpleName()
                    + " (use RSA, ECDSA or Ed25519)");
        }
        checkKeyMatchesCertificate();
    }

    /** Reads a PEM certificate chain (end entity first) and a PEM private key (PKCS#8 or traditional, unencrypted). */
    public static Credentials fromPem(Path certificateChain, Path privateKey) throws IOException {
        return fromPem(certificateChain, privateKey, null);
    }

    /** As {@link #fromPem(Path, Path)}, for a key encrypted with {@code password} (PKCS#8 or OpenSSL traditional). */
    public static Credentials fromPem(Path certificateChain, Path privateKey, char[] password) throws IOException {
        return fromPem(Files.readString(certificateChain, StandardCharsets.US_ASCII),
                Files.readString(privateKey, StandardCharsets.US_ASCII), password);
    }

    /** Reads credentials from PEM text; both may be the same text holding certificates and the key. */
    public static Credentials fromPem(String certificateChainPem, String privateKeyPem, char[] password)
            throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        PrivateKeyInfo keyInfo = null;
        for (Object o : readPem(new java.io.StringReader(certificateChainPem))) {
            if (o instanceof X509CertificateHolder h) {
                chain.add(toX509(h.getEncoded()));
            }
        }
        for (Object o : readPem(new java.io.StringReader(privateKeyPem))) {
            PrivateKeyInfo k = toPrivateKeyInfo(o, password);
            if (k != null) {
                if (keyInfo != null) {
                    throw new IOException("the key PEM holds more than one private key");
                }
                keyInfo = k;
            }
        }
        if (keyInfo == null) {
            throw new IOException("no private key found in the key PEM");
        }
        return new Credentials(chain, PrivateKeyFactory.createKey(keyInfo));
    }

    /** Reads the first key entry of a PKCS#12 file. */
    public static Credentials fromPkcs12(Path file, char[] password) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            return fromKeyStore(ks, null, password);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read PKCS#12 file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a key entry from a {@link KeyStore}; {@code alias} null means the first key entry. */
    public static Credentials fromKeyStore(KeyStore keyStore, String alias, char[] password) throws IOException {
        try {
            String a = alias;
            if (a == null) {
                for (Enumeration<String> e = keyStore.aliases(); e.hasMoreElements();) {
                    String candidate = e.nextElement();
                    if (keyStore.isKeyEntry(candidate)) {
                        a = candidate;
                        break;
                    }
                }
            }
            if (a == null || !keyStore.isKeyEntry(a)) {
                throw new IOException("the key store has no key entry" + (alias == null ? "" : " named " + alias));
            }
            Key key = keyStore.getKey(a, password);
            Certificate[] certs = keyStore.getCertificateChain(a);
            if (!(key instanceof PrivateKey pk) || certs == null) {
                throw new IOException("key store entry " + a + " is not a private key with a certificate chain");
            }
            X509Certificate[] chain = Arrays.stream(certs).map(X509Certificate.class::cast)
                    .toArray(X509Certificate[]::new);
            return of(pk, chain);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key store entry: " + e.getMessage(), e);
        }
    }

    /** Credentials from a JCA private key and its chain (end entity first). */
    public static Credentials of(PrivateKey privateKey, X509Certificate... chain) throws IOException {
        byte[] encoded = privateKey.getEncoded();
        if (encoded == null) {
            throw new IOException("the private key cannot be exported (a hardware key?); ktls4j needs an encodable key");
        }
        try {
            return new Credentials(Arrays.asList(chain), PrivateKeyFactory.createKey(PrivateKeyInfo.getInstance(encoded)));
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /** The certificate chain, end entity first. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /** The chain, end entity first, as {@code crypto}'s certificates; the array is shared: do not modify it. */
    TlsCertificate[] tlsCertificates(TlsCrypto crypto) throws IOException {
        ParsedChain p = parsed;
        if (p != null && p.crypto() == crypto) {
            return p.certificates();
        }
        TlsCertificate[] certs = new TlsCertificate[chain.size()];
        for (int i = 0; i < certs.length; i++) {
            try {
                certs[i] = crypto.createCertificate(chain.get(i).getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IOException("cannot encode certificate " + i + " of the chain", e);
            }
        }
        parsed = new ParsedChain(crypto, certs);
        return certs;
    }

    AsymmetricKeyParameter privateKey() {
        return privateKey;
    }

    /** The key for the JDK's providers (only when the handshake's crypto is all JDK: a measurement setting). */
    PrivateKey jcaPrivateKey() throws IOException {
        byte[] pkcs8 = org.bouncycastle.crypto.util.PrivateKeyInfoFactory.createPrivateKeyInfo(privateKey).getEncoded();
        try {
            String algorithm = switch (kind) {
                case RSA -> "RSA";
                case EC -> "EC";
                case ED25519 -> "Ed25519";
            };
            return java.security.KeyFactory.getInstance(algorithm)
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IOException("the JDK cannot load this " + kind + " key: " + e.getMessage(), e);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    KeyKind keyKind() {
        return kind;
    }

    /** Field size of the EC key's curve (256, 384, 521), 0 for other keys. */
    int ecFieldBits() {
        return ecFieldBits;
    }

    /** True when the key can authenticate a TLS 1.2 suite of the given family. */
    boolean canAuthenticate(TlsCipherSuite.KeyType type) {
        return type == null
                || (type == TlsCipherSuite.KeyType.RSA ? kind == KeyKind.RSA : kind != KeyKind.RSA);
    }

    @Override
    public String toString() {
        return "Credentials[" + chain.get(0).getSubjectX500Principal().getName() + ", " + kind
                + (kind == KeyKind.EC ? "-" + ecFieldBits : "") + ", chain of " + chain.size() + "]";
    }

    private void checkKeyMatchesCertificate() throws IOException {
        AsymmetricKeyParameter pub = PublicKeyFactory.createKey(
                SubjectPublicKeyInfo.getInstance(chain.get(0).getPublicKey().getEncoded()));
        boolean match;
        if (privateKey instanceof RSAKeyParameters rsa) {
            match = pub instanceof RSAKeyParameters p && p.getModulus().equals(rsa.getModulus());
        } else if (privateKey instanceof ECPrivateKeyParameters ec) {
            match = pub instanceof ECPublicKeyParameters p
                    && p.getQ().equals(ec.getParameters().getG().multiply(ec.getD()).normalize());
        } else {
            Ed25519PublicKeyParameters derived = ((Ed25519PrivateKeyParameters) privateKey).generatePublicKey();
            match = pub instanceof Ed25519PublicKeyParameters p
                    && Arrays.equals(p.getEncoded(), derived.getEncoded());
        }
        if (!match) {
            throw new IOException("the private key does not belong to the certificate "
                    + chain.get(0).getSubjectX500Principal().getName());
        }
    }

    private static List<Object> readPem(Reader reader) throws IOException {
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(reader)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                objects.add(o);
            }
        }
        return objects;
    }

    private static PrivateKeyInfo toPrivateKeyInfo(Object o, char[] password) throws IOException {
        try {
            if (o instanceof PrivateKeyInfo info) {
                return info;
            } else if (o instanceof PEMKeyPair pair) {
                return pair.getPrivateKeyInfo();
            } else if (o instanceof PKCS8EncryptedPrivateKeyInfo enc) {
                requirePassword(password);
                return enc.decryptPrivateKeyInfo(
                        new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(password));
            } else if (o instanceof PEMEncryptedKeyPair enc) {
                requirePassword(password);
                return enc.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(BC).build(password))
                        .getPrivateKeyInfo();
            }
            return null;
        } catch (OperatorCreationException | PKCSException e) {
            throw new IOException("cannot decrypt the private key (wrong password?)", e);
        }
    }

    private static void requirePassword(char[] password) throws IOException {
        if (password == null) {
            throw new IOException("the private key is encrypted; pass its password");
        }
    }

    static X509Certificate toX509(byte[] der) throws IOException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new IOException("malformed certificate: " + e.getMessage(), e);
        }
    }
}
