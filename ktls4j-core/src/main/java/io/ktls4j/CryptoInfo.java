package io.ktls4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * The state of one direction of the record layer, exactly what {@code setsockopt(SOL_TLS, TLS_TX|TLS_RX)} takes:
 * version, cipher, {@code key}, {@code iv}, {@code salt} and {@code rec_seq} (the sequence number of the next record).
 *
 * <p>{@link #toBytes()} and {@link #fromBytes(byte[])} use the byte layout of the kernel's
 * {@code tls12_crypto_info_*} structs: {@code u16 version, u16 cipher_type} in native byte order, then
 * {@code iv}, {@code key}, {@code salt}, {@code rec_seq}. For TLS 1.3 the kernel's {@code iv} and {@code salt} hold the
 * 12-byte write IV as {@code salt || iv}.
 *
 * <p>Key material is copied in and out, never shared; {@link #destroy()} zeroes it. {@link #toString()} shows version,
 * cipher and rec_seq only.
 */
public final class CryptoInfo implements Destroyable {
    private final TlsVersion version;
    private final CipherType cipher;
    private final byte[] key;
    private final byte[] iv;
    private final byte[] salt;
    private final byte[] recSeq;
    private volatile boolean destroyed;

    private CryptoInfo(TlsVersion version, CipherType cipher, byte[] key, byte[] iv, byte[] salt, byte[] recSeq) {
        this.version = version;
        this.cipher = cipher;
        this.key = key;
        this.iv = iv;
        this.salt = salt;
        this.recSeq = recSeq;
    }

    /**
     * Builds a crypto info from its fields (copied).
     *
     * @throws KtlsException {@link Errno#EINVAL} when a field's length does not match the cipher
     */
    public static CryptoInfo of(TlsVersion version, CipherType cipher, byte[] key, byte[] iv, byte[] salt, byte[] recSeq)
            throws KtlsException {
        check("key", key, cipher.keySize(), cipher);
        check("iv", iv, cipher.ivSize(), cipher);
        check("salt", salt, cipher.saltSize(), cipher);
        check("rec_seq", recSeq, CipherType.REC_SEQ_SIZE, cipher);
        return new CryptoInfo(version, cipher, key.clone(), iv.clone(), salt.clone(), recSeq.clone());
    }

    /**
     * Builds a crypto info from a 12-byte (TLS 1.3 / ChaCha20) write IV split the way the kernel wants it:
     * {@code salt} = the first {@code saltSize} bytes, {@code iv} = the rest.
     */
    public static CryptoInfo fromWriteIv(TlsVersion version, CipherType cipher, byte[] key, byte[] writeIv, long recSeq)
            throws KtlsException {
        check("write iv", writeIv, cipher.saltSize() + cipher.ivSize(), cipher);
        byte[] salt = Arrays.copyOfRange(writeIv, 0, cipher.saltSize());
        byte[] iv = Arrays.copyOfRange(writeIv, cipher.saltSize(), writeIv.length);
        try {
            return of(version, cipher, key, iv, salt, seqBytes(recSeq));
        } finally {
            Arrays.fill(salt, (byte) 0);
            Arrays.fill(iv, (byte) 0);
        }
    }

    private static void check(String field, byte[] value, int expected, CipherType cipher) throws KtlsException {
        if (value == null || value.length != expected) {
            throw new KtlsException(Errno.EINVAL, cipher + " needs a " + expected + "-byte " + field + ", got "
                    + (value == null ? "none" : value.length + " bytes"));
        }
    }

    /**
     * Parses the kernel struct layout.
     *
     * @throws KtlsException {@link Errno#EINVAL} for an unknown version or cipher, or a length that is not the
     *     cipher's struct size (the kernel's answer to a wrong optlen)
     */
    public static CryptoInfo fromBytes(byte[] struct) throws KtlsException {
        if (struct.length < CipherType.INFO_HEADER_SIZE) {
            throw new KtlsException(Errno.EINVAL, "crypto_info of " + struct.length + " bytes is shorter than its 4-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(struct).order(ByteOrder.nativeOrder());
        TlsVersion version = TlsVersion.of(Short.toUnsignedInt(b.getShort()));
        CipherType cipher = CipherType.of(Short.toUnsignedInt(b.getShort()));
        if (struct.length != cipher.structSize()) {
            throw new KtlsException(Errno.EINVAL, "crypto_info for " + cipher + " is " + cipher.structSize()
                    + " bytes, got " + struct.length);
        }
        byte[] iv = new byte[cipher.ivSize()];
        byte[] key = new byte[cipher.keySize()];
        byte[] salt = new byte[cipher.saltSize()];
        byte[] seq = new byte[CipherType.REC_SEQ_SIZE];
        b.get(iv).get(key).get(salt).get(seq);
        return new CryptoInfo(version, cipher, key, iv, salt, seq);
    }

    /** The kernel struct, in native byte order; the caller owns (and should zero) the array. */
    public byte[] toBytes() {
        ensureLive();
        ByteBuffer b = ByteBuffer.allocate(cipher.structSize()).order(ByteOrder.nativeOrder());
        b.putShort((short) version.code()).putShort((short) cipher.id());
        b.put(iv).put(key).put(salt).put(recSeq);
        return b.array();
    }

    /** Just the 4-byte {@code struct tls_crypto_info} header (what {@code getsockopt} with optlen 4 returns). */
    public byte[] headerBytes() {
        ByteBuffer b = ByteBuffer.allocate(CipherType.INFO_HEADER_SIZE).order(ByteOrder.nativeOrder());
        b.putShort((short) version.code()).putShort((short) cipher.id());
        return b.array();
    }

    public TlsVersion version() {
        return version;
    }

    public CipherType cipher() {
        return cipher;
    }

    /** A copy of the key. */
    public byte[] key() {
        ensureLive();
        return key.clone();
    }

    /** A copy of the struct's {@code iv} field. */
    public byte[] iv() {
        ensureLive();
        return iv.clone();
    }

    /** A copy of the struct's {@code salt} field. */
    public byte[] salt() {
        ensureLive();
        return salt.clone();
    }

    /** A copy of {@code rec_seq}, big-endian. */
    public byte[] recSeqBytes() {
        return recSeq.clone();
    }

    /** {@code rec_seq} as an unsigned 64-bit number (the sequence number of the next record). */
    public long recSeq() {
        return ByteBuffer.wrap(recSeq).getLong();
    }

    /** A copy of this crypto info with another {@code rec_seq}. */
    public CryptoInfo withRecSeq(long seq) {
        ensureLive();
        return new CryptoInfo(version, cipher, key.clone(), iv.clone(), salt.clone(), seqBytes(seq));
    }

    /** A copy that the caller may destroy independently. */
    public CryptoInfo copy() {
        ensureLive();
        return new CryptoInfo(version, cipher, key.clone(), iv.clone(), salt.clone(), recSeq.clone());
    }

    public static byte[] seqBytes(long seq) {
        return ByteBuffer.allocate(8).putLong(seq).array();
    }

    /** Zeroes key, iv and salt. Later use of the secrets throws {@link IllegalStateException}. */
    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
        Arrays.fill(iv, (byte) 0);
        Arrays.fill(salt, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** True when every byte of key, iv and salt is zero (after {@link #destroy()}). */
    public boolean isZeroed() {
        for (byte[] a : new byte[][] {key, iv, salt}) {
            for (byte x : a) {
                if (x != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private void ensureLive() {
        if (destroyed) {
            throw new IllegalStateException("this CryptoInfo has been destroyed (its key material is zeroed)");
        }
    }

    /** Compares every field, key material included, in constant time for equal lengths. */
    public boolean sameAs(CryptoInfo o) {
        return version == o.version && cipher == o.cipher
                && java.security.MessageDigest.isEqual(key, o.key)
                && java.security.MessageDigest.isEqual(iv, o.iv)
                && java.security.MessageDigest.isEqual(salt, o.salt)
                && java.security.MessageDigest.isEqual(recSeq, o.recSeq);
    }

    @Override
    public String toString() {
        return "CryptoInfo[" + version + ", " + cipher + ", rec_seq=" + Long.toUnsignedString(recSeq())
                + (destroyed ? ", destroyed" : "") + "]";
    }
}
