package io.ktls4j.sw;

import io.ktls4j.ControlRecordException;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Errno;
import io.ktls4j.KeyExpiredException;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.RecordCipher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The receive half of the software record layer: {@code tls_sw_recvmsg} in Java. Decrypted records wait in a queue
 * (the kernel's {@code rx_list}) until read; a read fills the caller's buffers from records of one type, merging data
 * records but never control records, and stops at a type change.
 */
final class SoftwareRx {
    private final RawIo io;
    private final RecordReader reader;
    private final ReentrantLock lock = new ReentrantLock();
    /** Decrypted records not yet fully read, oldest first. */
    private final List<Plain> ready = new ArrayList<>();
    /** {@code SO_RCVLOWAT}: the bytes a read without MSG_WAITALL waits for (1 unless set). */
    private volatile int lowat = 1;

    SoftwareRx(RawIo io) {
        this.io = io;
        this.reader = new RecordReader(io);
    }

    boolean installed() {
        return reader.cipher() != null;
    }

    void install(CryptoInfo info) throws KtlsException {
        lock.lock();
        try {
            RecordCipher current = reader.cipher();
            if (current == null) {
                reader.setCipher(RecordCipher.forRx(info));
                SoftwareTlsStats.increment(TlsStat.TlsRxSw);
                SoftwareTlsStats.increment(TlsStat.TlsCurrRxSw);
                return;
            }
            try {
                Rekey.check(current.version(), current.cipher(), info, "TLS_RX");
            } catch (KtlsException e) {
                SoftwareTlsStats.increment(TlsStat.TlsRxRekeyError);
                throw e;
            }
            reader.setCipher(RecordCipher.forRx(info));
            current.destroy();
            SoftwareTlsStats.increment(TlsStat.TlsRxRekeyOk);
        } finally {
            lock.unlock();
        }
    }

    Optional<CryptoInfo> cryptoInfo() {
        lock.lock();
        try {
            RecordCipher c = reader.cipher();
            return c == null ? Optional.empty() : Optional.of(c.snapshot());
        } finally {
            lock.unlock();
        }
    }

    TlsVersion version() {
        RecordCipher c = reader.cipher();
        return c == null ? null : c.version();
    }

    void setExpectNoPad(boolean value) throws KtlsException {
        lock.lock();
        try {
            if (version() != TlsVersion.TLS_1_3) {
                throw new KtlsException(Errno.EINVAL, "TLS_RX_EXPECT_NO_PAD needs TLS_RX installed with TLS 1.3");
            }
            reader.setExpectNoPad(value);
        } finally {
            lock.unlock();
        }
    }

    boolean expectNoPad() throws KtlsException {
        if (version() != TlsVersion.TLS_1_3) {
            throw new KtlsException(Errno.EINVAL, "TLS_RX_EXPECT_NO_PAD needs TLS_RX installed with TLS 1.3");
        }
        return reader.expectNoPad();
    }

    /** {@code poll(POLLIN)} without blocking; false while another thread is reading. */
    /** For tests: record buffers held now (0 when idle). */
    int buffersHeld() {
        lock.lock();
        try {
            return reader.buffersHeld();
        } finally {
            lock.unlock();
        }
    }

    boolean readable() throws IOException {
        if (!lock.tryLock()) {
            return false;
        }
        try {
            if (!installed()) {
                return reader.buffered().hasRemaining() || reader.probe() != 0 || reader.atEof();
            }
            return !ready.isEmpty() || reader.ready();
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code recvmsg}. {@code control} says whether the caller passed a control buffer (may take control records).
     */
    Received receive(ByteBuffer[] dsts, boolean control, boolean peek, boolean waitAll, boolean dontWait) throws IOException {
        if (io.nonBlocking(dontWait)) {
            if (!lock.tryLock()) {
                throw RawIo.wouldBlock("another thread is reading this socket");
            }
        } else {
            lock.lock();
        }
        boolean keyless;
        try {
            keyless = !installed();
            if (!keyless) {
                return deliver(dsts, control, peek, waitAll, dontWait);
            }
            if (reader.buffered().hasRemaining()) {
                long n = copy(reader.buffered(), dsts, peek);
                reader.releaseIfDrained();
                return new Received(n, RecordType.APPLICATION_DATA);
            }
            reader.throwProbeError(); // after the bytes that came before it
        } finally {
            lock.unlock();
        }
        // keyless: a plain TCP read, outside the lock, so installing TLS_RX never waits for it (tls.data_steal)
        return new Received(passThrough(dsts, peek, waitAll, dontWait), RecordType.APPLICATION_DATA);
    }

    private Received deliver(ByteBuffer[] dsts, boolean control, boolean peek, boolean waitAll, boolean dontWait) throws IOException {
        long want = remaining(dsts);
        boolean nb = io.nonBlocking(dontWait);
        long copied = 0;
        Plain first = null;
        int index = 0; // next queued record to look at (peek walks the queue without consuming)
        while (true) {
            Plain rec = index < ready.size() ? ready.get(index) : null;
            if (rec == null) {
                // the kernel's target: sock_rcvlowat()
                boolean mustWait = copied < (waitAll ? want : Math.max(1, Math.min(lowat, want)));
                ByteBuffer into = !peek && dsts.length == 1 ? dsts[0] : null;
                try {
                    // past the target only records already queued are taken (no wait, no end-of-stream probe)
                    rec = reader.next(mustWait && !nb, mustWait && dontWait, into);
                } catch (KeyExpiredException e) {
                    if (copied > 0 || first != null) {
                        break;
                    }
                    throw e;
                } catch (KtlsException e) {
                    if (copied > 0) {
                        break; // deliver what came before the bad record; the error comes with the next read
                    }
                    throw e;
                }
                if (rec == null) {
                    if (copied > 0) {
                        break;
                    }
                    if (reader.atEof()) {
                        return new Received(-1, first == null ? null : first.type);
                    }
                    throw RawIo.wouldBlock("no complete record is available");
                }
                if (rec.direct) {
                    boolean deliverable = first == null ? control || !rec.type.isControl() : rec.sameType(first);
                    if (deliverable) {
                        first = first == null ? rec : first;
                        copied += rec.data.remaining();
                        if (rec.type.isControl() || copied == want) {
                            break;
                        }
                        continue;
                    }
                    rec = rec.takeBack(into);
                }
                ready.add(rec);
            }
            if (first == null) {
                if (rec.type.isControl() && !control) {
                    throw new ControlRecordException(rec.type);
                }
                first = rec;
            } else if (!rec.sameType(first)) {
                break; // a read never mixes record types
            }
            int n = copy(rec.data, dsts, peek);
            copied += n;
            if (!peek && !rec.data.hasRemaining()) {
                ready.remove(index);
            } else {
                index++;
            }
            if (rec.type.isControl() || copied == want) {
                break; // control records are never merged; buffers full
            }
        }
        return new Received(copied, first.type);
    }

    /** {@code setsockopt(SO_RCVLOWAT)} as {@code sk_setsockopt} and {@code tcp_set_rcvlowat} store it. */
    void setLowat(int bytes) {
        int v = bytes < 0 ? Integer.MAX_VALUE : bytes;
        lowat = Math.max(1, Math.min(v, RcvLowatCap.CAP));
    }

    int lowat() {
        return lowat;
    }

    /**
     * {@code splice(socket → pipe)}: the rest of the next data record, at most {@code len} bytes and what the pipe
     * has room for; empty data records are consumed on the way. A control record stays queued (EINVAL).
     */
    long splice(KtlsPipe pipe, long len, boolean nonBlock) throws IOException {
        if (len <= 0) {
            return 0;
        }
        boolean nb = io.nonBlocking(nonBlock);
        if (!installed()) {
            // no RX key: plain TCP, as tcp_splice_read
            int room = awaitRoom(pipe, nb);
            ByteBuffer tmp = ByteBuffer.allocate((int) Math.min(len, room));
            long n = receive(new ByteBuffer[] {tmp}, false, false, false, nonBlock).bytes();
            if (n > 0) {
                tmp.flip();
                pipe.write(tmp);
            }
            return n;
        }
        if (nb) {
            if (!lock.tryLock()) {
                throw RawIo.wouldBlock("another thread is reading this socket");
            }
        } else {
            lock.lock();
        }
        try {
            Plain rec;
            while (true) {
                if (ready.isEmpty()) {
                    Plain next = reader.next(!nb, nonBlock);
                    if (next == null) {
                        if (reader.atEof()) {
                            return -1;
                        }
                        throw RawIo.wouldBlock("no complete record is available");
                    }
                    ready.add(next);
                }
                rec = ready.get(0);
                if (rec.type.isControl()) {
                    throw new KtlsException(Errno.EINVAL, "splice: the next record is a control record ("
                            + rec.type + "); splice moves only application data, read it with receive()");
                }
                if (rec.data.hasRemaining()) {
                    break;
                }
                ready.remove(0); // an empty data record: nothing to move, never an end of stream
            }
            int room = awaitRoom(pipe, nb);
            int n = (int) Math.min(Math.min(len, rec.data.remaining()), room);
            ByteBuffer part = rec.data.slice(rec.data.position(), n);
            pipe.write(part);
            rec.data.position(rec.data.position() + n);
            if (!rec.data.hasRemaining()) {
                ready.remove(0);
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Free room in the pipe, waiting for some unless {@code nb}. */
    private static int awaitRoom(KtlsPipe pipe, boolean nb) throws IOException {
        while (true) {
            int room = pipe.capacity() - pipe.available();
            if (room > 0) {
                return room;
            }
            if (nb) {
                throw RawIo.wouldBlock("the pipe is full");
            }
            if (pipe instanceof SoftwarePipe sp) {
                sp.awaitRoom(SoftwarePipe.waitStep());
            } else {
                RawIo.pause();
            }
        }
    }

    private long passThrough(ByteBuffer[] dsts, boolean peek, boolean waitAll, boolean dontWait) throws IOException {
        if (peek) {
            // keep what is peeked for the next read: it goes through the record layer's buffer
            lock.lock();
            try {
                if (!reader.buffered().hasRemaining() && reader.fill(!io.nonBlocking(dontWait), dontWait) == 0) {
                    if (reader.atEof()) {
                        return -1;
                    }
                    throw RawIo.wouldBlock("no data is available");
                }
                long n = copy(reader.buffered(), dsts, true);
                reader.releaseIfDrained();
                return n;
            } finally {
                lock.unlock();
            }
        }
        long total = 0;
        for (ByteBuffer d : dsts) {
            if (!d.hasRemaining()) {
                continue;
            }
            int n = io.readRaw(d, waitAll, dontWait);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (d.hasRemaining() && (!waitAll || n == 0)) {
                break;
            }
        }
        if (total == 0 && io.nonBlocking(dontWait) && remaining(dsts) > 0) {
            throw RawIo.wouldBlock("no data is available");
        }
        return total;
    }

    private static int copy(ByteBuffer src, ByteBuffer[] dsts, boolean peek) {
        int pos = src.position();
        int total = 0;
        for (ByteBuffer d : dsts) {
            int n = Math.min(d.remaining(), src.limit() - pos);
            if (n > 0) {
                d.put(d.position(), src, pos, n);
                d.position(d.position() + n);
                pos += n;
                total += n;
            }
        }
        if (!peek) {
            src.position(pos);
        }
        return total;
    }

    private static long remaining(ByteBuffer[] dsts) {
        long n = 0;
        for (ByteBuffer d : dsts) {
            n += d.remaining();
        }
        return n;
    }

    void close() {
        lock.lock();
        try {
            for (Plain p : ready) {
                java.util.Arrays.fill(p.data.array(), (byte) 0);
            }
            ready.clear();
            if (installed()) {
                SoftwareTlsStats.decrement(TlsStat.TlsCurrRxSw);
            }
            reader.close();
        } finally {
            lock.unlock();
        }
    }
}
