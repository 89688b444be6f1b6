package io.ktls4j.records;

import io.ktls4j.BadRecordException;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;

/**
 * TLS 1.2 records as Linux writes them.
 * <ul>
 *   <li>AES-GCM/CCM, SM4-GCM/CCM, ARIA-GCM: nonce {@code salt || explicit}, where {@code explicit} is the
 *       crypto_info {@code iv} field, written after the header and incremented as a big-endian 64-bit counter after
 *       every record, independently of {@code rec_seq}. On receive the explicit nonce comes from the record (the
 *       {@code iv} field still advances, as the kernel's {@code tls_advance_record_sn()} does for RX).
 *   <li>ChaCha20-Poly1305: nonce {@code iv XOR (0^4 || rec_seq)}, no explicit nonce on the wire.
 * </ul>
 * AAD: {@code rec_seq(8) || type || 0x03 0x03 || plaintext length(2)}.
 */
final class Tls12Cipher extends RecordCipher {
    private static final int AAD_SIZE = 13;

    private final boolean explicitNonce;
    private final byte[] aad = new byte[AAD_SIZE];
    /** The crypto_info {@code iv} field as a counter (explicit-nonce ciphers only). */
    private long explicit;

    Tls12Cipher(Direction direction, CryptoInfo info, Aead aead) {
        super(direction, info, aead);
        this.explicitNonce = info.cipher().hasExplicitNonce();
        if (explicitNonce) {
            byte[] iv = info.iv();
            for (byte b : iv) {
                explicit = (explicit << 8) | (b & 0xff);
            }
            Arrays.fill(iv, (byte) 0);
        }
    }

    @Override
    byte[] ivField() {
        if (!explicitNonce) {
            return super.ivField();
        }
        byte[] iv = new byte[8];
        putLong(iv, 0, explicit);
        return iv;
    }

    @Override
    public void seal(RecordType type, ByteBuffer plaintext, ByteBuffer dst) throws KtlsException {
        int length = checkSeal(plaintext, dst);
        ensureSeqAvailable();
        int start = dst.position();
        int plaintextStart = plaintext.position();
        if (explicitNonce) {
            System.arraycopy(writeIv, 0, nonce, 0, 4);
            putLong(nonce, 4, explicit);
        } else {
            xorNonce(recSeq);
        }
        makeAad(type.value(), length);
        putHeader(dst, type.value(), length + overhead());
        if (explicitNonce) {
            dst.put(nonce, 4, 8);
        }
        try {
            aead.start(nonce, aad, AAD_SIZE);
            aead.finish(plaintext, dst);
        } catch (GeneralSecurityException e) {
            dst.position(start);
            plaintext.position(plaintextStart);
            throw new KtlsException(Errno.EBADMSG, direction() + " record " + Long.toUnsignedString(recSeq)
                    + " could not be encrypted (" + e.getClass().getSimpleName() + ")", e);
        }
        advance();
    }

    @Override
    public Opened open(ByteBuffer record, ByteBuffer dst) throws KtlsException {
        int body = bodyLength(record);
        int start = record.position();
        int type = record.get(start) & 0xff;
        if (body < overhead()) {
            throw new BadRecordException(direction() + " record " + Long.toUnsignedString(recSeq) + " (type "
                    + type + ") has a " + body + "-byte body, shorter than its " + overhead() + " bytes of overhead");
        }
        int length = body - overhead();
        if (dst.remaining() < length) {
            throw new BufferOverflowException();
        }
        ensureSeqAvailable();
        int payload = start + TlsRecords.HEADER_SIZE;
        if (explicitNonce) {
            System.arraycopy(writeIv, 0, nonce, 0, 4);
            record.get(payload, nonce, 4, 8);
            payload += TlsRecords.EXPLICIT_NONCE_SIZE;
        } else {
            xorNonce(recSeq);
        }
        makeAad(type, length);
        int dstStart = dst.position();
        record.position(payload);
        try {
            aead.start(nonce, aad, AAD_SIZE);
            aead.finish(record, dst);
        } catch (AEADBadTagException e) {
            record.position(start);
            zero(dst, dstStart, dstStart + length);
            dst.position(dstStart);
            throw authFailure(body);
        } catch (GeneralSecurityException e) {
            record.position(start);
            zero(dst, dstStart, dstStart + length);
            dst.position(dstStart);
            throw new KtlsException(Errno.EBADMSG, direction() + " record " + Long.toUnsignedString(recSeq)
                    + " could not be decrypted (" + e.getClass().getSimpleName() + ")", e);
        }
        advance();
        return new Opened(RecordType.of(type), length, false);
    }

    private void makeAad(int type, int length) {
        putLong(aad, 0, recSeq);
        aad[8] = (byte) type;
        aad[9] = 3;
        aad[10] = 3;
        aad[11] = (byte) (length >>> 8);
        aad[12] = (byte) length;
    }

    /** {@code tls_advance_record_sn()}: rec_seq, and the explicit nonce (wrapping silently, as the kernel's does). */
    private void advance() {
        recSeq++;
        if (explicitNonce) {
            explicit++;
        }
    }

    @Override
    void wipe() {
        Arrays.fill(aad, (byte) 0);
        explicit = 0;
    }
}
