package io.ktls4j.handshake;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Locale;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsECDomain;
import org.bouncycastle.tls.crypto.TlsHash;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.TlsKemConfig;
import org.bouncycastle.tls.crypto.TlsKemDomain;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsMLKemDomain;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JceTlsSecret;

/**
 * The crypto under BouncyCastle's TLS protocol engine, chosen per primitive by what measured faster on JDK 25
 * ({@code io.ktls4j.bench.HandshakeCryptoBench}, docs/PERFORMANCE.md):
 * <ul>
 * <li>the JDK's providers ({@code JcaTlsCrypto} over {@link JdkFirstHelper}): SHA-2 (SUN, 7x BouncyCastle's on a 4
 * KiB transcript), HMAC and so HKDF (SunJCE, 2.5x), AES-GCM and ChaCha20-Poly1305 for the handshake's records
 * (SunJCE), and BouncyCastle's provider only for what the JDK lacks (AES-CCM);
 * <li>BouncyCastle's lightweight code ({@code BcTlsCrypto}): X25519, X448 and the NIST curves' ECDH (3x SunEC's),
 * ECDSA, EdDSA and RSA signatures and the peer certificate's signature check (ECDSA P-256: sign 1.8x, verify 6x
 * SunEC's), and ML-KEM.
 * </ul>
 * System property {@code ktls4j.handshake.crypto} ({@link Kind}) picks another mix, for measurements.
 */
final class HandshakeCrypto extends JcaTlsCrypto {
    /** Which implementation does the handshake's crypto. */
    enum Kind {
        /** The faster of the two per primitive (the default). */
        FASTEST,
        /** BouncyCastle's pure-Java {@code BcTlsCrypto} for everything (ktls4j before issue 12). */
        BOUNCY_CASTLE,
        /** The JDK's providers wherever they have the algorithm. */
        JDK;

        /** System property {@code ktls4j.handshake.crypto}: {@code fastest} (default), {@code bc} or {@code jdk}. */
        static Kind fromSystemProperty() {
            String v = System.getProperty("ktls4j.handshake.crypto", "fastest").trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "fastest", "" -> FASTEST;
                case "bc", "bouncycastle" -> BOUNCY_CASTLE;
                case "jdk", "jca" -> JDK;
                default -> throw new IllegalArgumentException("ktls4j.handshake.crypto=" + v
                        + ": use fastest, bc or jdk");
            };
        }
    }

    private static final BouncyCastleProvider BC_PROVIDER = new BouncyCastleProvider();

    private final boolean mixed;
    private final BcTlsCrypto lightweight;
    private final TlsNonceGenerator nonces;

    private HandshakeCrypto(SecureRandom random, boolean mixed) {
        super(new JdkFirstHelper(BC_PROVIDER), new JdkFirstHelper(BC_PROVIDER), random, random);
        this.mixed = mixed;
        this.lightweight = new BcTlsCrypto(random);
        TlsNonceGenerator drbg = super.createNonceGenerator(
                "ktls4j handshake nonces".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        this.nonces = size -> {
            synchronized (drbg) {
                return drbg.generateNonce(size);
            }
        };
    }

    /**
     * One nonce generator (BouncyCastle's SHA-512 hash DRBG, seeded from the platform's entropy) for all the
     * connections of this crypto. BouncyCastle instantiates and seeds one per connection by default, for the 32-byte
     * Hello random and a client's session ID: 3.5% of a resumed handshake's server CPU in the profile
     * (docs/PERFORMANCE.md). What those need is unpredictability, which a shared DRBG gives as OpenSSL's does.
     */
    @Override
    public TlsNonceGenerator createNonceGenerator(byte[] additionalSeedMaterial) {
        return nonces;
    }

    /** A crypto of {@code kind}. */
    static TlsCrypto create(Kind kind) {
        SecureRandom random = new SecureRandom();
        return switch (kind) {
            case FASTEST -> initialiseJca(new HandshakeCrypto(random, true));
            case JDK -> initialiseJca(new HandshakeCrypto(random, false));
            // the handshake's crypto is BouncyCastle's own, but the session tickets still seal with the JDK's AES-GCM
            case BOUNCY_CASTLE -> {
                initialiseJca(new DefaultJcaJceHelper());
                yield new BcTlsCrypto(random);
            }
        };
    }

    /**
     * Uses each JCA algorithm the handshake and the session tickets need once, now, when the context is built: the
     * JCA reads its policy files on first use, and a process that first uses it while out of file descriptors (a
     * flood of connections) is left with {@code javax.crypto} unusable for good (a failed class initialisation).
     */
    private static HandshakeCrypto initialiseJca(HandshakeCrypto crypto) {
        initialiseJca(crypto.getHelper());
        return crypto;
    }

    private static void initialiseJca(JcaJceHelper jca) {
        try {
            for (String digest : new String[] {"SHA-256", "SHA-384"}) {
                jca.createMessageDigest(digest).digest(new byte[1]);
            }
            for (String hmac : new String[] {"HmacSHA256", "HmacSHA384"}) {
                Mac mac = jca.createMac(hmac);
                mac.init(new SecretKeySpec(new byte[32], hmac));
                mac.doFinal();
            }
            Cipher gcm = jca.createCipher("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new GCMParameterSpec(128,
                    new byte[12]));
            gcm.doFinal();
            Cipher chacha = jca.createCipher("ChaCha20-Poly1305");
            chacha.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[32], "ChaCha20"),
                    new IvParameterSpec(new byte[12]));
            chacha.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's crypto providers cannot run the TLS handshake ("
                    + e.getMessage() + "); check the JDK's java.security configuration", e);
        }
    }

    /** The crypto that makes our signatures: BouncyCastle's, unless every primitive is the JDK's. */
    static boolean signsWithBouncyCastle(TlsCrypto crypto) {
        return !(crypto instanceof HandshakeCrypto h) || h.mixed;
    }

    /** BouncyCastle's lightweight crypto, for {@link Signers}. */
    static BcTlsCrypto lightweight(TlsCrypto crypto) {
        return crypto instanceof HandshakeCrypto h ? h.lightweight : (BcTlsCrypto) crypto;
    }

    private static final ThreadLocal<TranscriptTap> TAP = new ThreadLocal<>();

    /** Taps the hashes this thread creates for {@code tap}'s connection until {@link #exit}; returns the previous. */
    static TranscriptTap enter(TranscriptTap tap) {
        TranscriptTap previous = TAP.get();
        TAP.set(tap);
        return previous;
    }

    static void exit(TranscriptTap previous) {
        if (previous == null) {
            TAP.remove();
        } else {
            TAP.set(previous);
        }
    }

    /** Whether {@code crypto} can resume TLS 1.3 sessions (it must be this class: see {@link ResumptionPsk}). */
    static boolean canResume(TlsCrypto crypto) {
        return crypto instanceof HandshakeCrypto;
    }

    /** A TLS 1.3 resumption PSK (RFC 8446 §4.6.1) for BouncyCastle's external-PSK API; takes {@code psk}. */
    TlsSecret resumptionPsk(byte[] psk) {
        return new ResumptionPsk(this, psk);
    }

    @Override
    public TlsHash createHash(int cryptoHashAlgorithm) {
        TlsHash hash = super.createHash(cryptoHashAlgorithm);
        TranscriptTap tap = TAP.get();
        return tap == null ? hash : tap.track(cryptoHashAlgorithm, hash);
    }

    @Override
    public TlsSecret hkdfInit(int cryptoHashAlgorithm) {
        return new Salt(this, new byte[TlsCryptoUtils.getHashOutputSize(cryptoHashAlgorithm)]);
    }

    /**
     * A resumption PSK. BouncyCastle 1.82 offers and accepts PSKs only as external ones, whose binder key is
     * {@code Derive-Secret(early_secret, "ext binder", "")}; a resumption PSK's is {@code "res binder"} (RFC 8446
     * §7.1). The early secret extracted from this PSK ({@link Salt}) derives its binder key with the right label.
     */
    private static final class ResumptionPsk extends JceTlsSecret {
        ResumptionPsk(JcaTlsCrypto crypto, byte[] data) {
            super(crypto, data);
        }
    }

    /** HKDF-Extract's zero salt; extracting a {@link ResumptionPsk} gives a {@link ResumptionEarlySecret}. */
    private static final class Salt extends JceTlsSecret {
        Salt(JcaTlsCrypto crypto, byte[] data) {
            super(crypto, data);
        }

        @Override
        public synchronized TlsSecret hkdfExtract(int cryptoHashAlgorithm, TlsSecret ikm) {
            TlsSecret prk = super.hkdfExtract(cryptoHashAlgorithm, ikm);
            return ikm instanceof ResumptionPsk ? new ResumptionEarlySecret(crypto, prk.extract()) : prk;
        }
    }

    /** The early secret of a resumption PSK: expands "tls13 ext binder" as "tls13 res binder" (same length). */
    private static final class ResumptionEarlySecret extends JceTlsSecret {
        private static final byte[] EXT = "tls13 ext binder".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        ResumptionEarlySecret(JcaTlsCrypto crypto, byte[] data) {
            super(crypto, data);
        }

        @Override
        public synchronized TlsSecret hkdfExpand(int cryptoHashAlgorithm, byte[] info, int length) {
            if (info.length >= 3 + EXT.length && (info[2] & 0xff) == EXT.length
                    && java.util.Arrays.equals(info, 3, 3 + EXT.length, EXT, 0, EXT.length)) {
                info = info.clone();
                info[3 + 6] = 'r';
                info[3 + 7] = 'e';
                info[3 + 8] = 's';
            }
            return super.hkdfExpand(cryptoHashAlgorithm, info, length);
        }
    }

    @Override
    public TlsECDomain createECDomain(TlsECConfig ecConfig) {
        return mixed ? lightweight.createECDomain(ecConfig) : super.createECDomain(ecConfig);
    }

    @Override
    public TlsCertificate createCertificate(short type, byte[] encoding) throws IOException {
        return mixed ? lightweight.createCertificate(type, encoding) : super.createCertificate(type, encoding);
    }

    @Override
    public TlsKemDomain createKemDomain(TlsKemConfig kemConfig) {
        return new BcTlsMLKemDomain(lightweight, kemConfig);
    }

    @Override
    protected Boolean isSupportedNamedGroup(int namedGroup) {
        if (NamedGroup.refersToASpecificKem(namedGroup)) {
            return lightweight.hasNamedGroup(namedGroup);
        }
        return super.isSupportedNamedGroup(namedGroup);
    }
}
