package io.ktls4j.sw;

import io.ktls4j.Errno;
import io.ktls4j.KeyExpiredException;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.Opened;
import io.ktls4j.records.RecordBuffers;
import io.ktls4j.records.RecordCipher;
import io.ktls4j.records.TlsRecords;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Frames and decrypts incoming records, one whole record at a time, like the kernel's strparser + {@code tls_sw}
 * decrypt. Holds the raw bytes received but not yet decrypted (at most a few records), the RX cipher, and the error
 * state: an authentication failure is sticky (every later decrypt fails the same way); a framing error (EMSGSIZE,
 * EINVAL, short record) stops the parser, is reported once, and then reads see no more records.
 */
final class RecordReader {
    private static final int KEY_UPDATE = 24;

    private final RawIo io;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    /**
     * Raw bytes received, read mode: position = first unparsed byte. A {@link RecordBuffers#batch()} while bytes
     * wait, {@link #EMPTY} when none do (an idle socket holds no buffer).
     */
    private ByteBuffer in = EMPTY;
    /** What a blocking read waits in while nothing is buffered (a record header and a bit). */
    private final ByteBuffer waiting = ByteBuffer.allocate(256);
    private RecordCipher cipher;
    private boolean expectNoPad;
    private boolean keyPending;
    private boolean eof;
    private KtlsException sticky;
    /** An I/O error met by {@link #probe}: the next read throws it. */
    private IOException probeError;
    private KtlsException stopped;
    private boolean stoppedReported;

    RecordReader(RawIo io) {
        this.io = io;
    }

    RecordCipher cipher() {
        return cipher;
    }

    void setCipher(RecordCipher next) {
        cipher = next;
        keyPending = false;
    }

    boolean keyPending() {
        return keyPending;
    }

    void setExpectNoPad(boolean value) {
        expectNoPad = value;
    }

    boolean expectNoPad() {
        return expectNoPad;
    }

    /** Bytes received before keys were installed (pass-through mode), to be served first. */
    ByteBuffer buffered() {
        return in;
    }

    /**
     * Decrypts the next record. Returns it, or {@code null} when none can be had without blocking
     * ({@link #atEof()} then tells whether the stream ended).
     *
     * @throws KtlsException the sticky error, the parser's error (once), EKEYEXPIRED while a KeyUpdate waits for
     *     the next RX key, or a truncated record at end of stream
     */
    Plain next(boolean block, boolean dontWait) throws IOException {
        return next(block, dontWait, null);
    }

    /**
     * As {@link #next(boolean, boolean)}; when {@code into} has room for the whole record body, the plaintext is
     * decrypted straight into it (the kernel's zero-copy decrypt into the user buffer) and the returned record is
     * {@link Plain#direct}.
     */
    Plain next(boolean block, boolean dontWait, ByteBuffer into) throws IOException {
        if (sticky != null) {
            throw sticky;
        }
        if (stopped != null) {
            if (!stoppedReported || block) {
                // reported once; a later blocking read gets it again rather than hanging (the kernel would block)
                stoppedReported = true;
                throw stopped;
            }
            return null; // the parser has stopped: no record will come (tls_err.bad_rec: EMSGSIZE, then EAGAIN)
        }
        if (keyPending) {
            throw new KeyExpiredException();
        }
        while (true) {
            int body = completeRecordBody();
            if (body >= 0) {
                return decrypt(body, into != null && into.remaining() >= body ? into : null);
            }
            if (stopped != null) {
                stoppedReported = true;
                throw stopped;
            }
            if (eof) {
                if (in.hasRemaining()) {
                    sticky = new KtlsException(Errno.EPROTO, "the peer closed the connection inside a record ("
                            + in.remaining() + " bytes of an incomplete record were received)");
                    throw sticky;
                }
                return null;
            }
            if (fill(block, dontWait) == 0 && !eof) {
                return null;
            }
        }
    }

    /** True when a whole record is buffered or an error or EOF is ready to be reported; may read without blocking. */
    boolean ready() throws IOException {
        if (sticky != null || eof || probeError != null) {
            return true;
        }
        if (stopped != null) {
            return !stoppedReported;
        }
        if (keyPending) {
            return false;
        }
        if (completeRecordBody() >= 0 || stopped != null) {
            return true;
        }
        if (probe() < 0) {
            return true;
        }
        return eof || completeRecordBody() >= 0 || stopped != null;
    }

    /**
     * {@link #fill} for a readiness check, which must not throw the socket's I/O error (a reset): the error is kept
     * for the next read, which reports it. Returns the bytes read, or -1 when an error is now pending.
     */
    int probe() throws KtlsException {
        try {
            return fill(false, true);
        } catch (KtlsException e) {
            throw e;
        } catch (IOException e) {
            probeError = e;
            return -1;
        }
    }

    boolean atEof() {
        return eof && !in.hasRemaining();
    }

    /** Body length of the buffered record if it is complete, else -1. Framing errors stop the parser. */
    private int completeRecordBody() throws KtlsException {
        if (stopped != null || in.remaining() < TlsRecords.HEADER_SIZE) {
            return -1;
        }
        int body;
        try {
            body = TlsRecords.parseHeader(in, cipher.version(), cipher.cipher());
        } catch (KtlsException e) {
            stopped = e;
            return -1;
        }
        return in.remaining() >= TlsRecords.HEADER_SIZE + body ? body : -1;
    }

    /**
     * Reads more raw bytes; returns the count (0: would block). Neither {@code block} nor {@code dontWait}: a
     * blocking read that already has data looking for more; it takes only what is queued (end of stream is left to
     * the next read).
     */
    /** Throws (once) the I/O error a {@link #probe} met, if any. */
    void throwProbeError() throws IOException {
        if (probeError != null) {
            fill(false, true);
        }
    }

    int fill(boolean block, boolean dontWait) throws IOException {
        if (probeError != null) {
            IOException e = probeError; // reported once, as the kernel reports ECONNRESET once, then end of stream
            probeError = null;
            eof = true;
            throw e;
        }
        if (eof) {
            return 0;
        }
        if (in == EMPTY && block && !dontWait) {
            return fillAfterWaiting();
        }
        in = in == EMPTY ? RecordBuffers.batch() : in.compact();
        try {
            int n = !block && !dontWait ? io.readQueued(in) : io.read(in, dontWait || !block);
            if (n < 0) {
                eof = true;
                return 0;
            }
            return n;
        } finally {
            in.flip();
            releaseIfDrained();
        }
    }

    /**
     * A blocking read with nothing buffered: the wait for the peer (all of an idle keep-alive connection's life) is
     * a read into a few hundred bytes of this reader's own, and only bytes that came take a record buffer, with what
     * else is queued by then.
     */
    private int fillAfterWaiting() throws IOException {
        waiting.clear();
        int n = io.read(waiting, false);
        if (n < 0) {
            eof = true;
            return 0;
        }
        in = RecordBuffers.batch();
        try {
            in.put(waiting.flip());
            return n + Math.max(0, io.readQueued(in));
        } finally {
            in.flip();
            releaseIfDrained();
        }
    }

    /** For tests: record buffers held now (0 when idle). */
    int buffersHeld() {
        return in == EMPTY ? 0 : 1;
    }

    /** Gives the receive buffer back once every byte in it has been taken. */
    void releaseIfDrained() {
        if (in != EMPTY && !in.hasRemaining()) {
            RecordBuffers.release(in);
            in = EMPTY;
        }
    }

    private Plain decrypt(int body, ByteBuffer into) throws KtlsException {
        int start = in.position();
        ByteBuffer record = in.slice(start, TlsRecords.HEADER_SIZE + body);
        ByteBuffer plaintext = into != null ? into : ByteBuffer.allocate(body);
        int plainStart = plaintext.position();
        Opened opened;
        try {
            opened = cipher.open(record, plaintext);
        } catch (KtlsException e) {
            SoftwareTlsStats.increment(TlsStat.TlsDecryptError);
            sticky = e;
            throw e;
        }
        in.position(start + TlsRecords.HEADER_SIZE + body);
        releaseIfDrained();
        RecordType type = opened.type();
        Plain result = into != null ? Plain.inPlace(type, into, plainStart) : new Plain(type, plaintext.flip());
        ByteBuffer content = result.data;
        if (expectNoPad && cipher.version() == TlsVersion.TLS_1_3) {
            if (type.isControl()) {
                SoftwareTlsStats.increment(TlsStat.TlsDecryptRetry);
            } else if (opened.padded()) {
                SoftwareTlsStats.increment(TlsStat.TlsDecryptRetry);
                SoftwareTlsStats.increment(TlsStat.TlsRxNoPadViolation);
            }
        }
        if (cipher.version() == TlsVersion.TLS_1_3 && type.value() == RecordType.HANDSHAKE.value()
                && content.hasRemaining() && content.get(content.position()) == KEY_UPDATE) {
            keyPending = true; // decryption pauses until the next TLS_RX key (tls_check_pending_rekey)
            SoftwareTlsStats.increment(TlsStat.TlsRxRekeyReceived);
        }
        return result;
    }

    void close() {
        if (in != EMPTY) {
            RecordBuffers.release(in);
            in = EMPTY;
        }
        if (cipher != null) {
            cipher.destroy();
        }
    }
}
