package io.ktls4j.netty;

import io.ktls4j.BadRecordException;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsStat;
import io.ktls4j.records.Opened;
import io.ktls4j.records.RecordCipher;
import io.ktls4j.records.TlsRecords;
import io.ktls4j.records.SoftwareCounters;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The software record layer's receive side over the pipeline's bytes: finds whole records in the cumulated input,
 * checks each header as the kernel's {@code tls_rx_msg_size()} does, and opens them with {@link RecordCipher}. Acts
 * only on whole records and never consumes a partial one. Event-loop confined.
 */
final class RecordOpener {
    private RecordCipher cipher;

    /** @param rx the first RX key (copied; the caller destroys it) */
    RecordOpener(CryptoInfo rx) throws KtlsException {
        cipher = RecordCipher.forRx(rx);
        SoftwareCounters.increment(TlsStat.TlsRxSw);
        SoftwareCounters.increment(TlsStat.TlsCurrRxSw);
    }

    /**
     * The size of the whole record at {@code in}'s reader index, or -1 while it has not all arrived.
     *
     * @throws io.ktls4j.RecordOverflowException EMSGSIZE for a header announcing more than the cipher allows
     * @throws BadRecordException EBADMSG for a body shorter than the cipher's overhead
     * @throws KtlsException EINVAL for a version other than 0x0303
     */
    int nextRecord(ByteBuf in) throws KtlsException {
        if (in.readableBytes() < TlsRecords.HEADER_SIZE) {
            return -1;
        }
        int body = TlsRecords.parseHeader(in.nioBuffer(in.readerIndex(), TlsRecords.HEADER_SIZE), cipher.version(),
                cipher.cipher());
        int size = TlsRecords.HEADER_SIZE + body;
        return in.readableBytes() >= size ? size : -1;
    }

    /**
     * Opens the record of {@code size} bytes at {@code in}'s reader index into {@code out} at its writer index (the
     * writer index is not moved: the caller moves it for application data, or reads a control record's body from
     * there). Consumes the record only on success.
     *
     * @throws BadRecordException EBADMSG when the record fails authentication (counted as {@code TlsDecryptError})
     */
    Opened open(ByteBuf in, int size, ByteBuf out) throws KtlsException {
        out.ensureWritable(size);
        ByteBuffer record = in.nioBuffer(in.readerIndex(), size);
        ByteBuffer dst = out.nioBuffer(out.writerIndex(), out.writableBytes());
        Opened o;
        try {
            o = cipher.open(record, dst);
        } catch (BadRecordException e) {
            SoftwareCounters.increment(TlsStat.TlsDecryptError);
            throw e;
        }
        in.skipBytes(size);
        return o;
    }

    /** Switches to the peer's next key (after its KeyUpdate). */
    void rekey(CryptoInfo next) throws IOException {
        SoftwareCounters.increment(TlsStat.TlsRxRekeyReceived);
        RecordCipher c;
        try {
            c = RecordCipher.forRx(next);
        } catch (KtlsException e) {
            SoftwareCounters.increment(TlsStat.TlsRxRekeyError);
            throw e;
        }
        cipher.destroy();
        cipher = c;
        SoftwareCounters.increment(TlsStat.TlsRxRekeyOk);
    }

    /** Zeroes the key. Idempotent. */
    void release() {
        if (!cipher.isDestroyed()) {
            cipher.destroy();
            SoftwareCounters.decrement(TlsStat.TlsCurrRxSw);
        }
    }

    @Override
    public String toString() {
        return "RecordOpener[" + cipher + "]";
    }
}
