package io.ktls4j.records;

import io.ktls4j.CipherType;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * One direction's JCE AEAD: a cached {@link Cipher} re-initialised per record with that record's 12-byte nonce. The
 * only per-record allocations are the ones JCE forces (the parameter spec, the provider's key copy).
 *
 * <p>Data goes to the provider as arrays: heap buffers lend theirs, direct buffers are staged through two reusable
 * scratch arrays. (SunJCE's AES-GCM runs about four times slower on direct ByteBuffers than on arrays, even
 * counting the two copies; see docs/PERFORMANCE.md.) Not thread-safe: a {@link RecordCipher} is used by one thread
 * at a time.
 */
final class Aead {
    private static final int STAGE_SIZE = TlsRecords.MAX_PLAINTEXT + 256;

    private final CipherType type;
    private final int opmode;
    private final RecordKey key;
    private final byte[] trailer = new byte[1];
    private Cipher cipher;
    private byte[] stageIn;
    private byte[] stageOut;

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

    /**
     * Encrypts or decrypts all of {@code in} into {@code out} (tag appended or verified) and returns the bytes
     * written. Positions move only on success. The caller has checked that {@code out} has room.
     */
    int finish(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        int length = in.remaining();
        byte[] src;
        int srcOffset;
        if (in.hasArray()) {
            src = in.array();
            srcOffset = in.arrayOffset() + in.position();
        } else {
            src = stageIn();
            in.get(in.position(), src, 0, length);
            srcOffset = 0;
        }
        int n = out.hasArray()
                ? cipher.doFinal(src, srcOffset, length, out.array(), out.arrayOffset() + out.position())
                : cipher.doFinal(src, srcOffset, length, stageOut(), 0);
        commit(out, n);
        in.position(in.limit());
        return n;
    }

    /**
     * Encrypts {@code in} followed by one more byte (the TLS 1.3 inner content type) into {@code out}; returns the
     * bytes written. Positions move only on success. The caller has checked that {@code out} has room.
     */
    int finishWithTrailer(ByteBuffer in, int trailerByte, ByteBuffer out) throws GeneralSecurityException {
        int length = in.remaining();
        byte[] dst = out.hasArray() ? out.array() : stageOut();
        int dstOffset = out.hasArray() ? out.arrayOffset() + out.position() : 0;
        int n;
        if (in.hasArray()) {
            n = cipher.update(in.array(), in.arrayOffset() + in.position(), length, dst, dstOffset);
            trailer[0] = (byte) trailerByte;
            n += cipher.doFinal(trailer, 0, 1, dst, dstOffset + n);
        } else {
            byte[] src = stageIn();
            in.get(in.position(), src, 0, length);
            src[length] = (byte) trailerByte;
            n = cipher.doFinal(src, 0, length + 1, dst, dstOffset);
        }
        commit(out, n);
        in.position(in.limit());
        return n;
    }

    /** Moves {@code out}'s position past the n bytes written, copying them out of the stage for a direct buffer. */
    private void commit(ByteBuffer out, int n) {
        if (out.hasArray()) {
            out.position(out.position() + n);
        } else {
            out.put(stageOut, 0, n);
        }
    }

    private byte[] stageIn() {
        if (stageIn == null) {
            stageIn = new byte[STAGE_SIZE];
        }
        return stageIn;
    }

    private byte[] stageOut() {
        if (stageOut == null) {
            stageOut = new byte[STAGE_SIZE];
        }
        return stageOut;
    }

    /** Zeroes the key and the stages and drops the provider cipher (whose key schedule JCE gives no way to wipe). */
    void destroy() {
        key.destroy();
        cipher = null;
        for (byte[] stage : new byte[][] {stageIn, stageOut, trailer}) {
            if (stage != null) {
                Arrays.fill(stage, (byte) 0);
            }
        }
    }

    private Cipher live() {
        if (cipher == null) {
            throw new IllegalStateException("this AEAD has been destroyed");
        }
        return cipher;
    }
}
