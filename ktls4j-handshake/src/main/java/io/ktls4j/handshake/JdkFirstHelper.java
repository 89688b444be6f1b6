package io.ktls4j.handshake;

import java.security.AlgorithmParameterGenerator;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertStoreParameters;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.InvalidAlgorithmParameterException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.crypto.Cipher;
import javax.crypto.ExemptionMechanism;
import javax.crypto.KeyAgreement;
import javax.crypto.KeyGenerator;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.SecretKeyFactory;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jcajce.util.ProviderJcaJceHelper;

/**
 * The JCA for BouncyCastle's {@code JcaTlsCrypto}: the JDK's own providers (SunEC, SunJCE, SUN, SunRsaSign, whose
 * P-256, AES-GCM and SHA-2 have intrinsics) for every algorithm they have, BouncyCastle's provider for the rest
 * (AES-CCM) and for ML-KEM, whose TLS code in BouncyCastle passes BouncyCastle's own parameter classes (the JDK's
 * ML-KEM would refuse them).
 */
final class JdkFirstHelper implements JcaJceHelper {
    private final JcaJceHelper jdk = new DefaultJcaJceHelper();
    private final JcaJceHelper bc;
    /**
     * The provider that served each engine and algorithm the first time, asked directly from then on: a lookup by
     * name alone walks the JDK's provider list and its services, and the handshake asks for a Cipher, a Mac and
     * AlgorithmParameters several times per connection (~3% of a server's CPU per full handshake, profiled).
     */
    private final ConcurrentHashMap<String, JcaJceHelper> chosen = new ConcurrentHashMap<>();

    JdkFirstHelper(Provider bouncyCastle) {
        this.bc = new ProviderJcaJceHelper(bouncyCastle);
    }

    @FunctionalInterface
    private interface Lookup<T> {
        T from(JcaJceHelper helper) throws GeneralSecurityException;
    }

    /** The JDK's implementation, else BouncyCastle's (ML-KEM: BouncyCastle's first). */
    private <T> T pick(String algorithm, Lookup<T> lookup) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(null, algorithm, lookup, null);
    }

    /**
     * As {@link #pick(String, Lookup)}, then from the provider that served {@code engine} and {@code algorithm} the
     * first time. Only for engines whose keys are the JDK's own classes or none (Cipher, Mac, AlgorithmParameters,
     * MessageDigest): a {@code Signature} or {@code KeyAgreement} may be given a key that only some providers accept
     * and picks its provider by that key (delayed provider selection), which the first provider need not accept.
     * {@code engine} null: no memory.
     */
    private <T> T pick(String engine, String algorithm, Lookup<T> lookup, Function<T, Provider> providerOf)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        String key = engine == null ? null : engine + '/' + algorithm;
        JcaJceHelper known = key == null ? null : chosen.get(key);
        try {
            if (known != null) {
                return lookup.from(known);
            }
            T found;
            if (algorithm.regionMatches(true, 0, "ML-KEM", 0, 6)) {
                found = lookup.from(bc);
            } else {
                try {
                    found = lookup.from(jdk);
                } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
                    found = lookup.from(bc);
                }
            }
            if (key != null) {
                chosen.putIfAbsent(key, new ProviderJcaJceHelper(providerOf.apply(found)));
            }
            return found;
        } catch (NoSuchAlgorithmException | NoSuchProviderException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw (NoSuchAlgorithmException) new NoSuchAlgorithmException(algorithm).initCause(e);
        }
    }

    @Override
    public Cipher createCipher(String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick("Cipher", algorithm, h -> h.createCipher(algorithm), Cipher::getProvider);
    }

    @Override
    public Mac createMac(String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick("Mac", algorithm, h -> h.createMac(algorithm), Mac::getProvider);
    }

    @Override
    public KeyAgreement createKeyAgreement(String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(algorithm, h -> h.createKeyAgreement(algorithm));
    }

    @Override
    public AlgorithmParameterGenerator createAlgorithmParameterGenerator(String algorithm)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(algorithm, h -> h.createAlgorithmParameterGenerator(algorithm));
    }

    @Override
    public AlgorithmParameters createAlgorithmParameters(String algorithm)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick("AlgorithmParameters", algorithm, h -> h.createAlgorithmParameters(algorithm),
                AlgorithmParameters::getProvider);
    }

    @Override
    public KeyGenerator createKeyGenerator(String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(algorithm, h -> h.createKeyGenerator(algorithm));
    }

    @Override
    public KeyFactory createKeyFactory(String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(algorithm, h -> h.createKeyFactory(algorithm));
    }

    @Override
    public SecretKeyFactory createSecretKeyFactory(String algorithm)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(algorithm, h -> h.createSecretKeyFactory(algorithm));
    }

    @Override
    public KeyPairGenerator createKeyPairGenerator(String algorithm)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(algorithm, h -> h.createKeyPairGenerator(algorithm));
    }

    @Override
    @SuppressWarnings("deprecation")
    public MessageDigest createDigest(String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick("MessageDigest", algorithm, h -> h.createDigest(algorithm), MessageDigest::getProvider);
    }

    @Override
    public MessageDigest createMessageDigest(String algorithm)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick("MessageDigest", algorithm, h -> h.createMessageDigest(algorithm), MessageDigest::getProvider);
    }

    @Override
    public Signature createSignature(String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(algorithm, h -> h.createSignature(algorithm));
    }

    @Override
    public CertificateFactory createCertificateFactory(String algorithm)
            throws NoSuchProviderException, CertificateException {
        return jdk.createCertificateFactory(algorithm);
    }

    @Override
    public SecureRandom createSecureRandom(String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return pick(algorithm, h -> h.createSecureRandom(algorithm));
    }

    @Override
    public CertPathBuilder createCertPathBuilder(String algorithm)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdk.createCertPathBuilder(algorithm);
    }

    @Override
    public CertPathValidator createCertPathValidator(String algorithm)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdk.createCertPathValidator(algorithm);
    }

    @Override
    public CertStore createCertStore(String type, CertStoreParameters params)
            throws NoSuchAlgorithmException, InvalidAlgorithmParameterException, NoSuchProviderException {
        return jdk.createCertStore(type, params);
    }

    @Override
    public ExemptionMechanism createExemptionMechanism(String algorithm)
            throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdk.createExemptionMechanism(algorithm);
    }

    @Override
    public KeyStore createKeyStore(String type) throws KeyStoreException, NoSuchProviderException {
        return jdk.createKeyStore(type);
    }
}
