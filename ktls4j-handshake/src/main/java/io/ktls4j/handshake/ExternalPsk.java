package io.ktls4j.handshake;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.security.auth.Destroyable;
import org.bouncycastle.tls.PRFAlgorithm;

/**
 * A TLS 1.3 external pre-shared key (RFC 8446 §2.2, as {@code tlshd} uses it): an identity and a secret agreed out of
 * band, bound to a hash (SHA-256 by default; SHA-384 only works with {@code TLS_AES_256_GCM_SHA384}). The handshake
 * still runs an (EC)DHE exchange ({@code psk_dhe_ke}). {@link #toString()} shows the identity only.
 */
public final class ExternalPsk implements Destroyable {
    /** The hash the PSK is bound to. */
    public enum Hash {
        SHA256(PRFAlgorithm.tls13_hkdf_sha256),
        SHA384(PRFAlgorithm.tls13_hkdf_sha384);

        final int prfAlgorithm;

        Hash(int prfAlgorithm) {
            this.prfAlgorithm = prfAlgorithm;
        }
    }

    private final byte[] identity;
    private final byte[] key;
    private final Hash hash;
    private volatile boolean destroyed;

    private ExternalPsk(byte[] identity, byte[] key, Hash hash) {
        if (identity.length == 0 || identity.length > 65535) {
            throw new IllegalArgumentException("a PSK identity is 1..65535 bytes");
        }
        if (key.length < 16) {
            throw new IllegalArgumentException("a PSK should have at least 128 bits (16 bytes)");
        }
        this.identity = identity.clone();
        this.key = key.clone();
        this.hash = hash;
    }

    /** A SHA-256 PSK; the arrays are copied. */
    public static ExternalPsk of(byte[] identity, byte[] key) {
        return new ExternalPsk(identity, key, Hash.SHA256);
    }

    public static ExternalPsk of(String identity, byte[] key) {
        return of(identity.getBytes(StandardCharsets.UTF_8), key);
    }

    public static ExternalPsk of(byte[] identity, byte[] key, Hash hash) {
        return new ExternalPsk(identity, key, hash);
    }

    public byte[] identity() {
        return identity.clone();
    }

    public Hash hash() {
        return hash;
    }

    /** A copy of the key; the caller should zero it. */
    byte[] key() {
        if (destroyed) {
            throw new IllegalStateException("this PSK has been destroyed");
        }
        return key.clone();
    }

    boolean matches(byte[] offeredIdentity) {
        return java.security.MessageDigest.isEqual(identity, offeredIdentity);
    }

    /** Zeroes the key; contexts built with it can no longer use it. */
    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "ExternalPsk[identity=" + new String(identity, StandardCharsets.UTF_8) + ", " + hash + "]";
    }
}
