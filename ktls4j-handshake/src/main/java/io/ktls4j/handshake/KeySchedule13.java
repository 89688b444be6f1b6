package io.ktls4j.handshake;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.util.Arrays;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * One direction's TLS 1.3 application traffic secret chain (RFC 8446 §7.2): holds our own copy of
 * {@code application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)} and turns it
 * into the next record-layer key on a KeyUpdate. BouncyCastle's own secrets are never touched.
 */
final class KeySchedule13 {
    private final int cryptoHashAlgorithm;
    private final int hashLength;
    private final CipherType cipher;
    private TlsSecret next;
    private long generation;

    /** Takes ownership of {@code nextSecret} (generation 1). */
    KeySchedule13(TlsSecret nextSecret, int cryptoHashAlgorithm, int hashLength, CipherType cipher) {
        this.next = nextSecret;
        this.cryptoHashAlgorithm = cryptoHashAlgorithm;
        this.hashLength = hashLength;
        this.cipher = cipher;
    }

    /** Derives the next generation's secret from {@code secret}, which is left intact. */
    static TlsSecret nextSecret(TlsSecret secret, int cryptoHashAlgorithm, int hashLength) throws IOException {
        return TlsCryptoUtils.hkdfExpandLabel(secret, cryptoHashAlgorithm, "traffic upd", TlsUtils.EMPTY_BYTES,
                hashLength);
    }

    /**
     * The record-layer state for a traffic secret: key = HKDF-Expand-Label(secret, "key", "", key_length), write IV
     * = HKDF-Expand-Label(secret, "iv", "", 12), {@code rec_seq} = {@code seq}. {@code secret} is left intact.
     */
    static CryptoInfo cryptoInfo(TlsSecret secret, int cryptoHashAlgorithm, CipherType cipher, long seq)
            throws IOException {
        byte[] key = TlsCryptoUtils.hkdfExpandLabel(secret, cryptoHashAlgorithm, "key", TlsUtils.EMPTY_BYTES,
                cipher.keySize()).extract();
        byte[] iv = TlsCryptoUtils.hkdfExpandLabel(secret, cryptoHashAlgorithm, "iv", TlsUtils.EMPTY_BYTES,
                cipher.saltSize() + cipher.ivSize()).extract();
        try {
            return CryptoInfo.fromWriteIv(TlsVersion.TLS_1_3, cipher, key, iv, seq);
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(iv, (byte) 0);
        }
    }

    /** The keys of the next generation ({@code rec_seq} 0); the chain moves one step on. */
    synchronized CryptoInfo advance() throws IOException {
        if (next == null) {
            throw new IllegalStateException("the key schedule has been destroyed");
        }
        CryptoInfo info = cryptoInfo(next, cryptoHashAlgorithm, cipher, 0);
        TlsSecret following = nextSecret(next, cryptoHashAlgorithm, hashLength);
        next.destroy();
        next = following;
        generation++;
        return info;
    }

    /** How many KeyUpdates this direction has gone through. */
    synchronized long generation() {
        return generation;
    }

    synchronized boolean isDestroyed() {
        return next == null;
    }

    synchronized void destroy() {
        if (next != null) {
            next.destroy();
            next = null;
        }
    }
}
