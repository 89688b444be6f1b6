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
 * TLS 1.3 records as Linux writes them, for every cipher: nonce {@code (salt || iv) XOR (0^4 || rec_seq)}; inner
 * plaintext {@code content || type} with no padding (the kernel never pads); outer header
 * {@code 23, 0x0303, length + 17}; AAD = that header.
 *
 * <p>On receive the AAD is rebuilt the kernel's way ({@code tls_make_aad()}: type 23, 0x0303, body length), so the
 * outer type byte is not authenticated, exactly as in Linux. Zero padding after the inner type is stripped; an inner
 * plaintext of only zeros is EBADMSG ({@code tls_padding_length()}).
 */
final class Tls13Cipher extends RecordCipher {
    private static final int AAD_SIZE = TlsRecords.HEADER_SIZE;
    private static final int TAIL = 1;

    private final byte[] aad = new byte[AAD_SIZE];

    Tls13Cipher(Direction direction, CryptoInfo info, Aead aead) {
        super(direction, info, aead);
    }

    @Override
    public void seal(RecordType type, ByteBuffer plaintext, ByteBuffer dst) throws KtlsException {
        int length = checkSeal(plaintext, dst);
        ensureSeqAvailable();
        int start = dst.position();
        int plaintextStart = plaintext.position();
        int body = length + overhead();
        makeAad(body);
        xorNonce(recSeq);
        dst.put(aad);
        try {
            aead.start(nonce, aad, AAD_SIZE);
            aead.finishWithTrailer(plaintext, type.value(), dst);
        } catch (GeneralSecurityException e) {
            dst.position(start);
            plaintext.position(plaintextStart);
            throw new KtlsException(Errno.EBADMSG, direction() + " record " + Long.toUnsignedString(recSeq)
                    + " could not be encrypted (" + e.getClass().getSimpleName() + ")", e);
        }
        recSeq++;
    }

    @Override
    public Opened open(ByteBuffer record, ByteBuffer dst) throws KtlsException {
        int body = bodyLength(record);
        int start = record.position();
        int tag = cipher().tagSize();
        if (body < tag) {
            throw new BadRecordException(direction() + " record " + Long.toUnsignedString(recSeq) + " has a " + body
                    + "-byte body, shorter than its " + tag + "-byte tag");
        }
        int inner = body - tag;
        if (dst.remaining() < inner - TAIL) {
            throw new BufferOverflowException();
        }
        ensureSeqAvailable();
        makeAad(body);
        xorNonce(recSeq);
        boolean intoDst = dst.remaining() >= inner; // else the type byte and padding go to a scratch buffer
        ByteBuffer out = intoDst ? dst : RecordBuffers.plaintext();
        try {
            return open(record, dst, out, intoDst, start, body, inner);
        } finally {
            if (!intoDst) {
                RecordBuffers.release(out); // zeroed there
            }
        }
    }

    private Opened open(ByteBuffer record, ByteBuffer dst, ByteBuffer out, boolean intoDst, int start, int body,
            int inner) throws KtlsException {
        int outStart = out.position();
        record.position(start + TlsRecords.HEADER_SIZE);
        try {
            aead.start(nonce, aad, AAD_SIZE);
            aead.finish(record, out);
        } catch (GeneralSecurityException e) {
            record.position(start);
            zero(out, outStart, outStart + inner);
            out.position(outStart);
            if (e instanceof AEADBadTagException) {
                throw authFailure(body);
            }
            throw new KtlsException(Errno.EBADMSG, direction() + " record " + Long.toUnsignedString(recSeq)
                    + " could not be decrypted (" + e.getClass().getSimpleName() + ")", e);
        }
        int typeAt = outStart + inner - 1;
        while (typeAt >= outStart && out.get(typeAt) == 0) {
            typeAt--;
        }
        if (typeAt < outStart) {
            record.position(start);
            out.position(outStart);
            throw new BadRecordException(direction() + " record " + Long.toUnsignedString(recSeq) + " ("
                    + cipher() + ", " + body + "-byte body) has no content type: its " + inner
                    + " plaintext bytes are all zero");
        }
        int type = out.get(typeAt) & 0xff;
        int length = typeAt - outStart;
        if (intoDst) {
            dst.position(outStart + length);
        } else {
            dst.put(dst.position(), out, 0, length);
            dst.position(dst.position() + length);
        }
        recSeq++;
        return new Opened(RecordType.of(type), length, typeAt < outStart + inner - 1);
    }

    /** The AAD: the outer header as Linux builds it, type 23, version 0x0303, the body length. */
    private void makeAad(int body) {
        aad[0] = 23;
        aad[1] = 3;
        aad[2] = 3;
        aad[3] = (byte) (body >>> 8);
        aad[4] = (byte) body;
    }

    @Override
    void wipe() {
        Arrays.fill(aad, (byte) 0);
    }
}
