package io.ktls4j.handshake;

import io.ktls4j.CipherType;
import io.ktls4j.TlsVersion;
import org.bouncycastle.tls.CipherSuite;

/**
 * The cipher suites whose record protection a kTLS record layer can carry, by their IANA names. TLS 1.3 suites
 * work with any certificate; the TLS 1.2 suites name the certificate key type they need (ECDSA or RSA; an Ed25519
 * certificate works with the ECDSA suites, RFC 8422).
 */
public enum TlsCipherSuite {
    TLS_AES_128_GCM_SHA256(CipherSuite.TLS_AES_128_GCM_SHA256, TlsVersion.TLS_1_3, CipherType.AES_GCM_128, null),
    TLS_AES_256_GCM_SHA384(CipherSuite.TLS_AES_256_GCM_SHA384, TlsVersion.TLS_1_3, CipherType.AES_GCM_256, null),
    TLS_CHACHA20_POLY1305_SHA256(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, TlsVersion.TLS_1_3,
            CipherType.CHACHA20_POLY1305, null),
    TLS_AES_128_CCM_SHA256(CipherSuite.TLS_AES_128_CCM_SHA256, TlsVersion.TLS_1_3, CipherType.AES_CCM_128, null),

    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TlsVersion.TLS_1_2,
            CipherType.AES_GCM_128, KeyType.ECDSA),
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TlsVersion.TLS_1_2,
            CipherType.AES_GCM_256, KeyType.ECDSA),
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256(CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            TlsVersion.TLS_1_2, CipherType.CHACHA20_POLY1305, KeyType.ECDSA),
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TlsVersion.TLS_1_2,
            CipherType.AES_GCM_128, KeyType.RSA),
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384(CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TlsVersion.TLS_1_2,
            CipherType.AES_GCM_256, KeyType.RSA),
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256(CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            TlsVersion.TLS_1_2, CipherType.CHACHA20_POLY1305, KeyType.RSA);

    /** The certificate key type a TLS 1.2 suite authenticates with. */
    enum KeyType { ECDSA, RSA }

    private final int id;
    private final TlsVersion version;
    private final CipherType cipher;
    private final KeyType keyType;

    TlsCipherSuite(int id, TlsVersion version, CipherType cipher, KeyType keyType) {
        this.id = id;
        this.version = version;
        this.cipher = cipher;
        this.keyType = keyType;
    }

    /** The 16-bit IANA code point. */
    public int id() {
        return id;
    }

    /** The protocol version the suite belongs to. */
    public TlsVersion version() {
        return version;
    }

    /** The kernel cipher that protects its records. */
    public CipherType cipher() {
        return cipher;
    }

    KeyType keyType() {
        return keyType;
    }

    /** The suite for an IANA name, e.g. {@code "TLS_AES_128_GCM_SHA256"}. */
    public static TlsCipherSuite of(String name) {
        try {
            return valueOf(name.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown or unsupported cipher suite \"" + name
                    + "\"; the kTLS-capable suites are " + java.util.Arrays.toString(values()), e);
        }
    }

    /** The suite for an IANA code point. */
    public static TlsCipherSuite of(int id) {
        for (TlsCipherSuite s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException(String.format("cipher suite 0x%04x has no kTLS record protection", id));
    }
}
