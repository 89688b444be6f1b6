package io.ktls4j.sw;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.RecordType;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.RecordBuffers;
import io.ktls4j.records.RecordCipher;
import io.ktls4j.records.TlsRecords;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The transmit half of the software record layer: {@code TLS_TX} state, the open ({@code MSG_MORE}) record, and the
 * ciphertext not yet taken by the socket. Records are cut exactly where the kernel cuts them: at the end of each send
 * without {@code MSG_MORE}, and whenever the open record reaches the maximum payload length.
 *
 * <p>Memory: while a record is open, one plaintext record buffer; while sealed records wait for the socket, one
 * batch of ciphertext; both from {@link RecordBuffers} and given back when drained, so an idle socket holds none.
 */
final class SoftwareTx {
    private final RawIo io;
    private final ReentrantLock lock = new ReentrantLock();
    private RecordCipher cipher;
    private int maxPayload = TlsRecords.MAX_PLAINTEXT;
    /** Plaintext of the open record, in fill mode; null when no record is open. */
    private ByteBuffer open;
    /** Sealed records not yet written, in fill mode; null when none wait. */
    private ByteBuffer out;
    private KtlsException sticky;
    private boolean closed;
    /** A non-blocking send left sealed records the socket could not take at once. */
    private boolean backlogged;
    /** Ciphertext bytes sealed over the socket's life (for the SO_SNDBUF approximation). */
    private long sealedTotal;

    SoftwareTx(RawIo io) {
        this.io = io;
    }

    boolean installed() {
        return cipher != null;
    }

    void install(CryptoInfo info) throws KtlsException {
        lock.lock();
        try {
            if (cipher == null) {
                cipher = RecordCipher.forTx(info);
                SoftwareTlsStats.increment(TlsStat.TlsTxSw);
                SoftwareTlsStats.increment(TlsStat.TlsCurrTxSw);
                return;
            }
            try {
                Rekey.check(cipher.version(), cipher.cipher(), info, "TLS_TX");
            } catch (KtlsException e) {
                SoftwareTlsStats.increment(TlsStat.TlsTxRekeyError);
                throw e;
            }
            RecordCipher next = RecordCipher.forTx(info);
            if (recordOpen()) {
                sealOpen(); // what was written under the old key ends under the old key
            }
            cipher.destroy();
            cipher = next;
            SoftwareTlsStats.increment(TlsStat.TlsTxRekeyOk);
        } finally {
            lock.unlock();
        }
    }

    Optional<CryptoInfo> cryptoInfo() {
        lock.lock();
        try {
            return cipher == null ? Optional.empty() : Optional.of(cipher.snapshot());
        } finally {
            lock.unlock();
        }
    }

    TlsVersion version() {
        RecordCipher c = cipher;
        return c == null ? null : c.version();
    }

    void setMaxPayload(int value) throws KtlsException {
        lock.lock();
        try {
            if (recordOpen()) {
                throw new KtlsException(Errno.EBUSY, "TLS_TX_MAX_PAYLOAD_LEN cannot change while a record is open (MSG_MORE)");
            }
            int min = cipher != null && cipher.version() == TlsVersion.TLS_1_3 ? 63 : 64;
            if (value < min || value > TlsRecords.MAX_PLAINTEXT) {
                throw new KtlsException(Errno.EINVAL, "TLS_TX_MAX_PAYLOAD_LEN " + value + " is outside " + min + ".." + TlsRecords.MAX_PLAINTEXT);
            }
            maxPayload = value;
        } finally {
            lock.unlock();
        }
    }

    int maxPayload() {
        return maxPayload;
    }

    /** {@code sendmsg} of application data. */
    long send(ByteBuffer[] srcs, boolean more, boolean dontWait) throws IOException {
        lock.lock();
        try {
            checkUsable();
            boolean nb = io.nonBlocking(dontWait);
            if (cipher == null) {
                return passThrough(srcs, dontWait, nb);
            }
            return sendData(srcs, more, nb);
        } finally {
            lock.unlock();
        }
    }

    /** {@code sendmsg} with {@code TLS_SET_RECORD_TYPE}. */
    int sendControl(RecordType type, ByteBuffer data, boolean dontWait) throws IOException {
        lock.lock();
        try {
            checkUsable();
            boolean nb = io.nonBlocking(dontWait);
            if (cipher == null) {
                return (int) passThrough(new ByteBuffer[] {data}, dontWait, nb);
            }
            if (!flush(nb)) {
                throw RawIo.wouldBlock("the socket takes no more data now");
            }
            if (recordOpen()) {
                sealOpen(); // the open data record goes out as its own record, never merged with a control record
            }
            int sent = 0;
            while (data.hasRemaining()) {
                int n = Math.min(data.remaining(), maxPayload);
                ensureRoom(n, false);
                ByteBuffer chunk = data.slice(data.position(), n);
                seal(type, chunk);
                data.position(data.position() + n);
                sent += n;
            }
            if (!flush(nb)) {
                PendingFlusher.schedule(this);
            }
            return sent;
        } finally {
            lock.unlock();
        }
    }

    /** {@code sendfile}: the file's bytes become full-size records; the last record ends with the file region. */
    long sendFile(FileChannel file, long position, long count, boolean dontWait) throws IOException {
        lock.lock();
        try {
            checkUsable();
            boolean nb = io.nonBlocking(dontWait);
            if (cipher == null) {
                long sent = 0;
                while (sent < count) {
                    long n = file.transferTo(position + sent, count - sent, io.channel());
                    if (n <= 0) {
                        break;
                    }
                    sent += n;
                }
                return sent;
            }
            ByteBuffer fileChunk = RecordBuffers.batch();
            long sent = 0;
            try {
                int chunk = fileChunk.capacity() / TlsRecords.MAX_PLAINTEXT * TlsRecords.MAX_PLAINTEXT;
                while (sent < count) {
                    fileChunk.clear();
                    fileChunk.limit((int) Math.min(chunk, count - sent));
                    int n = file.read(fileChunk, position + sent);
                    if (n < 0) {
                        break;
                    }
                    fileChunk.flip();
                    boolean last = sent + n >= count;
                    long taken = sendData(new ByteBuffer[] {fileChunk}, !last, nb);
                    sent += taken;
                    if (taken < n) {
                        break; // non-blocking: the socket is full
                    }
                }
            } finally {
                RecordBuffers.release(fileChunk);
            }
            if (sent < count && recordOpen() && !nb) {
                sealOpen(); // the file ended early: end the record with it
                flush(false);
            }
            return sent;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code splice(pipe → socket)}: what is in the pipe (at least one byte, waited for unless {@code nonBlock}),
     * up to {@code len}, sent as a {@code send} of it with {@code MSG_MORE} when {@code more}.
     */
    long splice(KtlsPipe pipe, long len, boolean more, boolean nonBlock) throws IOException {
        if (len <= 0) {
            return 0;
        }
        lock.lock();
        try {
            checkUsable();
            if (nonBlock && pipe.available() == 0) {
                throw RawIo.wouldBlock("the pipe is empty (SPLICE_F_NONBLOCK)");
            }
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(len, pipe.capacity()));
            try {
                pipe.read(chunk);
                chunk.flip();
                int size = chunk.remaining();
                while (chunk.hasRemaining()) {
                    boolean nb = io.nonBlocking(false);
                    try {
                        if (cipher == null) {
                            passThrough(new ByteBuffer[] {chunk}, false, nb);
                        } else {
                            sendData(new ByteBuffer[] {chunk}, more, nb);
                        }
                    } catch (io.ktls4j.WouldBlockException e) {
                        // The bytes are out of the pipe already and a pipe cannot take them back: wait for the
                        // socket rather than lose them.
                        RawIo.pause();
                    }
                }
                return size;
            } finally {
                java.util.Arrays.fill(chunk.array(), (byte) 0);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code send(MSG_OOB)}: TCP urgent data, only without a TX key (the kernel's {@code tls_sw_sendmsg} refuses
     * MSG_OOB); the last byte is the urgent one, as for TCP.
     */
    long sendUrgent(ByteBuffer[] srcs) throws IOException {
        lock.lock();
        try {
            checkUsable();
            if (cipher != null) {
                throw new KtlsException(Errno.EOPNOTSUPP, "send(MSG_OOB): TLS records carry no urgent data; with a"
                        + " TLS_TX key the kernel refuses MSG_OOB (send without it)");
            }
            long total = 0;
            for (ByteBuffer b : srcs) {
                total += b.remaining();
            }
            if (total == 0) {
                return 0;
            }
            ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(total));
            for (ByteBuffer b : srcs) {
                all.put(b);
            }
            all.flip();
            byte urgent = all.get(all.limit() - 1);
            all.limit(all.limit() - 1);
            while (all.hasRemaining()) {
                if (io.write(all, false) == 0) {
                    RawIo.pause();
                }
            }
            io.channel().socket().sendUrgentData(urgent);
            return total;
        } finally {
            lock.unlock();
        }
    }

    private long sendData(ByteBuffer[] srcs, boolean more, boolean nb) throws IOException {
        if (nb && backlogged) {
            // The previous send's records did not fit in the socket: the kernel's socket memory would still be
            // over SO_SNDBUF now (sk_stream_memory_free), so this call gets EAGAIN once while the flusher drains.
            backlogged = false;
            throw RawIo.wouldBlock("the socket's send buffer was full after the previous send");
        }
        if (!flush(nb)) {
            throw RawIo.wouldBlock("the socket takes no more data now");
        }
        long sealedAtStart = sealedTotal;
        long total = 0;
        for (ByteBuffer b : srcs) {
            total += b.remaining();
        }
        long taken = 0;
        for (ByteBuffer src : srcs) {
            while (src.hasRemaining()) {
                if (!ensureRoom(maxPayload, nb)) {
                    return tookOrWouldBlock(taken);
                }
                int room = maxPayload - (open == null ? 0 : open.position());
                int n = Math.min(src.remaining(), room);
                boolean endsHere = !more && taken + n == total;
                if (!recordOpen() && (n == maxPayload || endsHere)) {
                    // a whole record straight from the caller's buffer: no copy into the open record
                    ByteBuffer chunk = src.slice(src.position(), n);
                    seal(RecordType.APPLICATION_DATA, chunk);
                    src.position(src.position() + n);
                } else {
                    if (open == null) {
                        open = RecordBuffers.plaintext();
                    }
                    open.put(open.position(), src, src.position(), n);
                    open.position(open.position() + n);
                    src.position(src.position() + n);
                    if (open.position() == maxPayload) {
                        sealOpen();
                    }
                }
                taken += n;
            }
        }
        if (!more && recordOpen()) {
            if (!ensureRoom(open.position(), nb)) {
                return tookOrWouldBlock(taken); // the record stays open until the socket drains
            }
            sealOpen();
        }
        if (!flush(nb)) {
            if (taken == 0) {
                throw RawIo.wouldBlock("the socket takes no more data now");
            }
            backlogged = true;
            PendingFlusher.schedule(this); // accepted bytes go out when the socket drains, as from a kernel buffer
        } else if (nb && sealedTotal - sealedAtStart > io.channel().getOption(StandardSocketOptions.SO_SNDBUF)) {
            backlogged = true; // more than SO_SNDBUF went out at once: the kernel's socket memory would be full now
        }
        return taken;
    }

    SocketChannel channel() {
        return io.channel();
    }

    /** For tests: record buffers this direction holds now (0 when idle). */
    int buffersHeld() {
        lock.lock();
        try {
            return (open == null ? 0 : 1) + (out == null ? 0 : 1);
        } finally {
            lock.unlock();
        }
    }

    /** Writes pending ciphertext from the flusher thread; true when nothing is left (or nothing can be done). */
    boolean flushFromBackground() {
        if (!lock.tryLock()) {
            return false; // the application is sending: it flushes first
        }
        try {
            return out == null || sticky != null || flush(true);
        } catch (IOException e) {
            backgroundFailedLocked(e);
            return true;
        } finally {
            lock.unlock();
        }
    }

    void backgroundFailed(Exception e) {
        lock.lock();
        try {
            backgroundFailedLocked(e);
        } finally {
            lock.unlock();
        }
    }

    private void backgroundFailedLocked(Exception e) {
        if (sticky == null) {
            sticky = new KtlsException(Errno.EPIPE, "writing sealed records failed: " + e, e);
        }
    }

    private long tookOrWouldBlock(long taken) throws KtlsException {
        if (taken == 0) {
            throw RawIo.wouldBlock("the socket takes no more data now");
        }
        backlogged = true;
        PendingFlusher.schedule(this); // what was sealed goes out when the socket drains
        return taken;
    }

    private boolean recordOpen() {
        return open != null && open.position() > 0;
    }

    private void sealOpen() throws KtlsException {
        open.flip();
        try {
            seal(RecordType.APPLICATION_DATA, open);
        } finally {
            open = RecordBuffers.release(open);
        }
    }

    private void seal(RecordType type, ByteBuffer plaintext) throws KtlsException {
        if (out == null) {
            out = RecordBuffers.batch();
        }
        try {
            int before = out.position();
            cipher.seal(type, plaintext, out);
            sealedTotal += out.position() - before;
        } catch (KtlsException e) {
            sticky = e; // rec_seq wrap (EBADMSG) ends the socket's TX, as tls_err_abort() does
            throw e;
        }
    }

    /** Makes room in {@code out} for a record of {@code plaintextLen}; false when non-blocking and the socket is full. */
    private boolean ensureRoom(int plaintextLen, boolean nb) throws IOException {
        int need = TlsRecords.HEADER_SIZE + plaintextLen + cipher.overhead();
        if (out == null || out.remaining() >= need) {
            return true; // an empty batch holds any record
        }
        flush(nb);
        return out == null || out.remaining() >= need;
    }

    /** Writes pending ciphertext; true when none is left (the batch buffer is then given back). */
    private boolean flush(boolean nb) throws IOException {
        if (out == null) {
            return true;
        }
        if (out.position() > 0) {
            out.flip();
            try {
                io.write(out, nb);
            } finally {
                out.compact();
            }
        }
        if (out.position() == 0) {
            out = RecordBuffers.release(out);
            return true;
        }
        return false;
    }

    private long passThrough(ByteBuffer[] srcs, boolean dontWait, boolean nb) throws IOException {
        long n = io.write(srcs, dontWait);
        if (n == 0 && nb) {
            long total = 0;
            for (ByteBuffer b : srcs) {
                total += b.remaining();
            }
            if (total > 0) {
                throw RawIo.wouldBlock("the socket takes no more data now");
            }
        }
        return n;
    }

    private void checkUsable() throws KtlsException {
        if (sticky != null) {
            throw sticky;
        }
        if (closed) {
            throw new KtlsException(Errno.EPIPE, "the socket's output is shut down");
        }
    }

    /** Drops the open record (as the kernel does on shutdown and close) and ends TX. */
    void shutdown() {
        lock.lock();
        try {
            open = RecordBuffers.release(open);
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            open = RecordBuffers.release(open); // zeroed there
            out = RecordBuffers.release(out);
            closed = true;
            if (cipher != null) {
                cipher.destroy();
                cipher = null;
                SoftwareTlsStats.decrement(TlsStat.TlsCurrTxSw);
            }
        } finally {
            lock.unlock();
        }
    }
}
