package io.ktls4j.record;

import io.ktls4j.CipherType;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * One direction's JCE AEAD: a cached {@link Cipher} re-initialised per record with that record's 12-byte nonce. The
 * only per-record allocations are the ones JCE forces (the parameter spec, the provider's key copy).
 * Not thread-safe: a {@link RecordCipher} is used by one thread at a time.
 */
final class Aead {
    private final CipherType type;
    private final int opmode;
    private final RecordKey key;
    private final ByteBuffer trailer = ByteBuffer.allocate(1);
    private Cipher cipher;

    private Aead(CipherType type, int opmode, RecordKey key, Cipher cipher) {
        this.type = type;
        this.opmode = opmode;
        this.key = key;
        this.cipher = cipher;
    }

    /**
     * Creates the AEAD for one direction; takes ownership of {@code keyBytes}.
     *
     * @throws KtlsException {@link Errno#ENOENT} when no provider implements the cipher, as the kernel answers when
     *     {@code crypto_alloc_aead()} finds no such algorithm
     */
    static Aead create(CipherType type, byte[] keyBytes, boolean encrypt) throws KtlsException {
        RecordKey key = new RecordKey(type.keyAlgorithm(), keyBytes);
        try {
            Cipher cipher = Cipher.getInstance(type.transformation(), AeadProviders.providerFor(type));
            return new Aead(type, encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, key, cipher);
        } catch (GeneralSecurityException e) {
            key.destroy();
            throw new KtlsException(Errno.ENOENT, "no AEAD implementation of " + type.transformation() + " for "
                    + type + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Initialises the cipher for one record and feeds the additional data. */
    void start(byte[] nonce, byte[] aad, int aadLength) throws GeneralSecurityException {
        AlgorithmParameterSpec spec = type == CipherType.CHACHA20_POLY1305
                ? new IvParameterSpec(nonce)
                : new GCMParameterSpec(CipherType.TAG_SIZE * 8, nonce);
        live().init(opmode, key, spec);
        cipher.updateAAD(aad, 0, aadLength);
    }

    /** Encrypts or decrypts all of {@code in} into {@code out}, tag included/verified; returns the bytes written. */
    int finish(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        return cipher.doFinal(in, out);
    }

    /** Encrypts {@code in} followed by one more byte (the TLS 1.3 inner content type) into {@code out}. */
    int finishWithTrailer(ByteBuffer in, int trailerByte, ByteBuffer out) throws GeneralSecurityException {
        int n = cipher.update(in, out);
        trailer.clear();
        trailer.put(0, (byte) trailerByte);
        int m = cipher.doFinal(trailer, out);
        trailer.put(0, (byte) 0);
        return n + m;
    }

    /** Zeroes the key and drops the provider cipher (whose internal key schedule JCE gives no way to wipe). */
    void destroy() {
        key.destroy();
        cipher = null;
    }

    private Cipher live() {
        if (cipher == null) {
            throw new IllegalStateException("this AEAD has been destroyed");
        }
        return cipher;
    }
}
