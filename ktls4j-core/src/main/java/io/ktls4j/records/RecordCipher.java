package io.ktls4j.records;

import io.ktls4j.BadRecordException;
import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * Record protection for one direction of a connection: what the kernel's {@code tls_sw} does with a
 * {@code TLS_TX} or {@code TLS_RX} crypto_info. {@link #seal} writes a record byte for byte as Linux would for the
 * same {@link CryptoInfo}; {@link #open} reads one.
 *
 * <p>Wire format (Linux {@code net/tls}): TLS 1.2 AES/SM4/ARIA records carry {@code salt || iv} as nonce with the
 * {@code iv} field (the explicit nonce) written after the header and incremented per record, independently of
 * {@code rec_seq}; TLS 1.2 ChaCha20 and all TLS 1.3 records use the 12-byte write IV XOR {@code rec_seq}. TLS 1.2
 * AAD is {@code rec_seq || type || 0x0303 || length}; TLS 1.3 AAD is the outer header, whose type is always 23.
 *
 * <p>Not thread-safe: one thread at a time. Instances are made by {@link #forTx} and {@link #forRx}; they copy the
 * key material they need and zero it on {@link #destroy()}. {@link #toString()} never shows key material.
 */
public abstract class RecordCipher implements Destroyable {
    /** The value of {@code rec_seq} whose increment would wrap: the kernel refuses to use it (EBADMSG). */
    private static final long LAST_SEQ = 0xFFFF_FFFF_FFFF_FFFFL;

    private final Direction direction;
    private final TlsVersion version;
    private final CipherType cipher;
    private final int overhead;
    private final byte[] key;
    private final byte[] salt;
    private final byte[] iv;
    /** {@code salt || iv}: the 12-byte nonce base (TLS 1.2 explicit-nonce ciphers overwrite bytes 4..12). */
    final byte[] writeIv;
    /** Scratch for the current record's nonce. */
    final byte[] nonce = new byte[12];
    final Aead aead;
    long recSeq;
    private volatile boolean destroyed;

    RecordCipher(Direction direction, CryptoInfo info, Aead aead) {
        this.direction = direction;
        this.version = info.version();
        this.cipher = info.cipher();
        this.overhead = TlsRecords.overhead(version, cipher);
        this.key = info.key();
        this.salt = info.salt();
        this.iv = info.iv();
        this.writeIv = new byte[12];
        System.arraycopy(salt, 0, writeIv, 0, salt.length);
        System.arraycopy(iv, 0, writeIv, salt.length, iv.length);
        this.recSeq = info.recSeq();
        this.aead = aead;
    }

    /** Record protection for {@code TLS_TX}. Copies what it needs: the caller may destroy {@code info} afterwards. */
    public static RecordCipher forTx(CryptoInfo info) throws KtlsException {
        return create(Direction.TX, info);
    }

    /** Record protection for {@code TLS_RX}. Copies what it needs: the caller may destroy {@code info} afterwards. */
    public static RecordCipher forRx(CryptoInfo info) throws KtlsException {
        return create(Direction.RX, info);
    }

    private static RecordCipher create(Direction direction, CryptoInfo info) throws KtlsException {
        CipherType c = info.cipher();
        if (info.version() == TlsVersion.TLS_1_3 && (c == CipherType.ARIA_GCM_128 || c == CipherType.ARIA_GCM_256)) {
            throw new KtlsException(Errno.EINVAL, c + " is a TLS 1.2 cipher; the kernel refuses it with TLS 1.3");
        }
        Aead aead = Aead.create(c, info.key(), direction == Direction.TX);
        return info.version() == TlsVersion.TLS_1_3
                ? new Tls13Cipher(direction, info, aead)
                : new Tls12Cipher(direction, info, aead);
    }

    public TlsVersion version() {
        return version;
    }

    public CipherType cipher() {
        return cipher;
    }

    /** {@link TlsRecords#overhead}: bytes a record body adds to its plaintext. */
    public int overhead() {
        return overhead;
    }

    /** The sequence number of the next record (unsigned 64-bit). */
    public long recSeq() {
        return recSeq;
    }

    /** Whether this protects {@code TLS_TX} or {@code TLS_RX}. */
    public Direction direction() {
        return direction;
    }

    /**
     * The live state as {@code getsockopt(TLS_TX/TLS_RX)} returns it: key and salt as installed, the live {@code iv}
     * field (TLS 1.2 explicit-nonce ciphers advance it per record, in both directions, as the kernel does) and the
     * live {@code rec_seq}. A copy: the caller owns and should destroy it.
     */
    public CryptoInfo snapshot() {
        ensureLive();
        byte[] ivField = ivField();
        try {
            return CryptoInfo.of(version, cipher, key, ivField, salt, CryptoInfo.seqBytes(recSeq));
        } catch (KtlsException e) {
            throw new IllegalStateException("the cipher's own fields do not fit its crypto_info", e);
        } finally {
            Arrays.fill(ivField, (byte) 0);
        }
    }

    /** The crypto_info {@code iv} field as it stands now (a copy). */
    byte[] ivField() {
        return iv.clone();
    }

    /**
     * Protects {@code plaintext.remaining()} (&le; 16384) bytes as one record of {@code type} and writes header and
     * body to {@code dst}, which needs {@code 5 + length + overhead()} bytes. Consumes the plaintext and advances
     * {@code rec_seq} (and the TLS 1.2 explicit nonce).
     *
     * @throws BadRecordException {@code EBADMSG} when {@code rec_seq} is 0xFFFFFFFFFFFFFFFF (it would wrap); nothing
     *     is written (kernel selftest {@code tls_basic.recseq_wrap})
     * @throws IllegalArgumentException when the plaintext exceeds 16384 bytes
     * @throws BufferOverflowException when {@code dst} is too small; nothing is written
     */
    public abstract void seal(RecordType type, ByteBuffer plaintext, ByteBuffer dst) throws KtlsException;

    /**
     * Opens exactly one whole record, header and body between {@code record}'s position and limit, its header
     * already validated by {@link TlsRecords#parseHeader}. Writes the plaintext content to {@code dst} (TLS 1.3 inner
     * type and padding stripped); {@code dst.remaining() >= body length - overhead()} suffices. Consumes the record
     * and advances the state on success only.
     *
     * @throws BadRecordException {@code EBADMSG} when authentication fails, or a TLS 1.3 plaintext is all zeros (no
     *     content type); nothing is consumed, {@code dst} is left as it was (and any bytes written past its position
     *     are zeroed), the state is unchanged
     * @throws IllegalArgumentException when {@code record} does not hold exactly the header and the body it announces
     * @throws BufferOverflowException when {@code dst} is too small; nothing happens
     */
    public abstract Opened open(ByteBuffer record, ByteBuffer dst) throws KtlsException;

    /** Zeroes the key material this cipher holds and drops its JCE cipher. Later use throws IllegalStateException. */
    @Override
    public void destroy() {
        destroyed = true;
        aead.destroy();
        Arrays.fill(key, (byte) 0);
        Arrays.fill(salt, (byte) 0);
        Arrays.fill(iv, (byte) 0);
        Arrays.fill(writeIv, (byte) 0);
        Arrays.fill(nonce, (byte) 0);
        wipe();
    }

    /** Subclasses zero their own scratch state. */
    abstract void wipe();

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** True when every byte of key material this cipher holds is zero (after {@link #destroy()}). */
    boolean isZeroed() {
        for (byte[] a : new byte[][] {key, salt, iv, writeIv, nonce}) {
            for (byte b : a) {
                if (b != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "RecordCipher[" + direction + ", " + version + ", " + cipher + ", rec_seq="
                + Long.toUnsignedString(recSeq) + (destroyed ? ", destroyed" : "") + "]";
    }

    // ---- helpers shared by the version-specific subclasses

    final void ensureLive() {
        if (destroyed) {
            throw new IllegalStateException("this RecordCipher has been destroyed (its key material is zeroed)");
        }
    }

    /** The kernel's {@code tls_advance_record_sn()} refuses to wrap {@code rec_seq}: so do we, before any work. */
    final void ensureSeqAvailable() throws BadRecordException {
        if (recSeq == LAST_SEQ) {
            throw new BadRecordException(direction + " rec_seq is 0xffffffffffffffff: the next record would wrap the "
                    + "sequence number (install a new key)");
        }
    }

    /** Checks a seal's sizes before anything is touched; returns the plaintext length. */
    final int checkSeal(ByteBuffer plaintext, ByteBuffer dst) {
        ensureLive();
        int length = plaintext.remaining();
        if (length > TlsRecords.MAX_PLAINTEXT) {
            throw new IllegalArgumentException("a record holds at most 16384 plaintext bytes, got " + length);
        }
        if (dst.remaining() < TlsRecords.HEADER_SIZE + length + overhead) {
            throw new BufferOverflowException();
        }
        return length;
    }

    /**
     * Reads the body length a record's header announces and checks the record holds exactly that body.
     *
     * @throws RecordOverflowException when the body is longer than any record of this version and cipher
     */
    final int bodyLength(ByteBuffer record) throws RecordOverflowException {
        ensureLive();
        if (record.remaining() < TlsRecords.HEADER_SIZE) {
            throw new IllegalArgumentException("a record starts with a 5-byte header, only " + record.remaining()
                    + " bytes given");
        }
        int p = record.position();
        int body = ((record.get(p + 3) & 0xff) << 8) | (record.get(p + 4) & 0xff);
        if (record.remaining() != TlsRecords.HEADER_SIZE + body) {
            throw new IllegalArgumentException("the header announces a " + body + "-byte body but "
                    + (record.remaining() - TlsRecords.HEADER_SIZE) + " bytes follow it");
        }
        int max = TlsRecords.maxBodyLength(version, cipher);
        if (body > max) {
            throw new RecordOverflowException(direction + " record " + Long.toUnsignedString(recSeq) + " announces a "
                    + body + "-byte body; " + version + " " + cipher + " allows at most " + max);
        }
        return body;
    }

    /** Writes a record header at the buffer's position (byte by byte: the buffer's byte order does not matter). */
    static void putHeader(ByteBuffer dst, int type, int bodyLength) {
        dst.put((byte) type).put((byte) 3).put((byte) 3).put((byte) (bodyLength >>> 8)).put((byte) bodyLength);
    }

    /** {@code nonce = writeIv XOR (0^4 || seq)} ({@code tls_xor_iv_with_seq}). */
    final void xorNonce(long seq) {
        System.arraycopy(writeIv, 0, nonce, 0, 4);
        for (int i = 4; i < 12; i++) {
            nonce[i] = (byte) (writeIv[i] ^ (seq >>> (8 * (11 - i))));
        }
    }

    /** Big-endian bytes of {@code value} into {@code a[off..off+8)}. */
    static void putLong(byte[] a, int off, long value) {
        for (int i = 0; i < 8; i++) {
            a[off + i] = (byte) (value >>> (8 * (7 - i)));
        }
    }

    /** The EBADMSG of a record that failed authentication; names the record, never key material. */
    final BadRecordException authFailure(int bodyLength) {
        return new BadRecordException(direction + " record " + Long.toUnsignedString(recSeq) + " (" + version + " "
                + cipher + ", " + bodyLength + "-byte body) failed authentication");
    }

    /** Zeroes {@code dst[from, to)} (absolute; any byte order, heap or direct). */
    static void zero(ByteBuffer dst, int from, int to) {
        for (int i = from; i < to; i++) {
            dst.put(i, (byte) 0);
        }
    }
}
