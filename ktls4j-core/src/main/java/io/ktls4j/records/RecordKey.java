package io.ktls4j.records;

import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * A raw AEAD key that, unlike {@code SecretKeySpec}, really zeroes its bytes on {@link #destroy()}. Providers copy
 * the bytes into their own key schedule at {@code Cipher.init}; {@link Aead#destroy()} drops that cipher.
 */
final class RecordKey implements SecretKey {
    private static final long serialVersionUID = 1L;

    private final String algorithm;
    private final byte[] bytes;
    private volatile boolean destroyed;

    /** Takes ownership of {@code bytes}. */
    RecordKey(String algorithm, byte[] bytes) {
        this.algorithm = algorithm;
        this.bytes = bytes;
    }

    @Override
    public String getAlgorithm() {
        return algorithm;
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    @Override
    public byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("this key has been destroyed");
        }
        return bytes.clone();
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "RecordKey[" + algorithm + ", " + bytes.length + " bytes" + (destroyed ? ", destroyed" : "") + "]";
    }
}
