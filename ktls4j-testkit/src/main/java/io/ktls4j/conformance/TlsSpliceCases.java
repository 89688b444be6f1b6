package io.ktls4j.conformance;

import static io.ktls4j.MsgFlag.DONTWAIT;
import static io.ktls4j.MsgFlag.PEEK;
import static io.ktls4j.MsgFlag.WAITALL;
import static io.ktls4j.SpliceFlag.GIFT;
import static io.ktls4j.SpliceFlag.MORE;
import static io.ktls4j.SpliceFlag.NONBLOCK;
import static io.ktls4j.conformance.SocketIo.TYPE_100;
import static io.ktls4j.conformance.SocketIo.readPipe;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.recvKeyUpdate;
import static io.ktls4j.conformance.SocketIo.send;
import static io.ktls4j.conformance.SocketIo.sendCmsg;
import static io.ktls4j.conformance.SocketIo.sendKeyUpdate;
import static io.ktls4j.conformance.SocketIo.writePipe;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.ControlRecordException;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KeyExpiredException;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.WouldBlockException;
import java.util.Arrays;

/**
 * {@code TEST_F(tls, splice*)} and the two rekey cases that splice (docs/KERNEL-TLS-SEMANTICS.md §3.2 items 16–26,
 * 63–64): {@code splice(pipe → fd)} sends application data as {@code send} would ({@code SPLICE_F_MORE} is
 * {@code MSG_MORE}); {@code splice(cfd → pipe)} moves the rest of one data record per call and refuses a control
 * record with EINVAL, leaving it queued.
 */
public abstract class TlsSpliceCases extends ConformanceCases {
    static final int MAX = 16384;
    static final byte[] TEST_READ = Bytes.cstr("test_read");

    /** 16384 bytes through a pipe into fd arrive at cfd as they were written. */
    @TlsVariants
    void splice_from_pipe(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        byte[] mem = Bytes.random(MAX);
        writePipe(pipe, mem);
        assertThat(p.fd().spliceFrom(pipe, MAX)).isEqualTo(MAX);
        assertThat(recv(p.cfd(), MAX, WAITALL)).isEqualTo(mem);
    }

    /**
     * 32 one-byte splices with {@code SPLICE_F_NONBLOCK|SPLICE_F_MORE|SPLICE_F_GIFT} each return 1. Beyond the
     * selftest: a splice without SPLICE_F_MORE ends the data and all 33 bytes arrive (the kernel may push records
     * earlier, when a record's fragment list is full); then a 10-byte splice with SPLICE_F_MORE leaves the record
     * open as MSG_MORE does (cfd reads EAGAIN) until the next splice without it.
     */
    @TlsVariants
    void splice_more(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        byte[] mem = Bytes.random(MAX);
        writePipe(pipe, mem);
        for (int i = 0; i < 32; i++) {
            assertThat(p.fd().spliceFrom(pipe, 1, NONBLOCK, MORE, GIFT)).as("splice #%d", i).isEqualTo(1);
        }
        assertThat(p.fd().spliceFrom(pipe, 1)).isEqualTo(1);
        assertThat(recv(p.cfd(), 33, WAITALL)).isEqualTo(Arrays.copyOf(mem, 33));
        assertThat(p.fd().spliceFrom(pipe, 10, MORE)).isEqualTo(10);
        SocketIo.settle();
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), MAX, DONTWAIT));
        assertThat(p.fd().spliceFrom(pipe, 10)).isEqualTo(10);
        assertThat(recv(p.cfd(), 20, WAITALL)).isEqualTo(Arrays.copyOfRange(mem, 33, 53));
    }

    /** 8000 bytes from each of two pipes arrive as 16000 in order. */
    @TlsVariants
    void splice_from_pipe2(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe p1 = pipe();
        KtlsPipe p2 = pipe();
        byte[] mem = Bytes.random(16000);
        writePipe(p1, Arrays.copyOfRange(mem, 0, 8000));
        assertThat(p.fd().spliceFrom(p1, 8000)).isEqualTo(8000);
        writePipe(p2, Arrays.copyOfRange(mem, 8000, 16000));
        assertThat(p.fd().spliceFrom(p2, 8000)).isEqualTo(8000);
        assertThat(recv(p.cfd(), 16000, WAITALL)).isEqualTo(mem);
    }

    /** A send, then a splice on the same socket: both arrive intact. */
    @TlsVariants
    void send_and_splice(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        assertThat(send(p.fd(), TEST_READ)).isEqualTo(10);
        assertThat(recv(p.cfd(), 10, WAITALL)).isEqualTo(TEST_READ);
        byte[] mem = Bytes.random(MAX);
        writePipe(pipe, mem);
        assertThat(p.fd().spliceFrom(pipe, MAX)).isGreaterThanOrEqualTo(MAX);
        assertThat(recv(p.cfd(), MAX, WAITALL)).isEqualTo(mem);
    }

    /** A 16384-byte record spliced into a pipe in one call. */
    @TlsVariants
    void splice_to_pipe(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        byte[] mem = Bytes.random(MAX);
        assertThat(send(p.fd(), mem)).isEqualTo(MAX);
        assertThat(p.cfd().spliceTo(pipe, MAX)).isEqualTo(MAX);
        assertThat(readPipe(pipe, MAX)).isEqualTo(mem);
    }

    /** A control record cannot be spliced (EINVAL); it stays queued: recv is EIO, recvmsg returns it. */
    @TlsVariants
    void splice_cmsg_to_pipe(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        assertThat(sendCmsg(p.fd(), TYPE_100, TEST_READ)).isEqualTo(10);
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p.cfd().spliceTo(pipe, 10));
        Expect.errno(ControlRecordException.class, Errno.EIO, () -> recv(p.cfd(), 10));
        assertControlRecord(p);
    }

    /** The same with recv first (the record is then decrypted already): EIO, EINVAL, and recvmsg returns it. */
    @TlsVariants
    void splice_dec_cmsg_to_pipe(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        assertThat(sendCmsg(p.fd(), TYPE_100, TEST_READ)).isEqualTo(10);
        Expect.errno(ControlRecordException.class, Errno.EIO, () -> recv(p.cfd(), 10));
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p.cfd().spliceTo(pipe, 10));
        assertControlRecord(p);
    }

    private static void assertControlRecord(Pair p) throws Exception {
        SocketIo.Cmsg c = SocketIo.recvCmsg(p.cfd(), 10, WAITALL);
        assertThat(c.count()).isEqualTo(10);
        assertThat(c.type()).isEqualTo(TYPE_100);
        assertThat(c.data()).isEqualTo(TEST_READ);
    }

    /** recv takes half a record; a non-blocking splice moves the other half. */
    @TlsVariants
    void recv_and_splice(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        byte[] mem = Bytes.random(MAX);
        int half = MAX / 2;
        assertThat(send(p.fd(), mem)).isEqualTo(MAX);
        assertThat(recv(p.cfd(), half, WAITALL)).isEqualTo(Arrays.copyOf(mem, half));
        assertThat(p.cfd().spliceTo(pipe, half, NONBLOCK)).isEqualTo(half);
        assertThat(readPipe(pipe, half)).isEqualTo(Arrays.copyOfRange(mem, half, MAX));
    }

    /** A peek across records, then splices (each > 0) until all 16384 bytes of the four records are in the pipe. */
    @TlsVariants
    void peek_and_splice(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        byte[] mem = Bytes.random(MAX);
        int chunk = 4096;
        for (int i = 0; i < 4; i++) {
            assertThat(send(p.fd(), mem, i * chunk, chunk)).isEqualTo(chunk);
        }
        int peek = chunk * 5 / 2;
        assertThat(recv(p.cfd(), peek, WAITALL, PEEK)).isEqualTo(Arrays.copyOf(mem, peek));
        long total = 0;
        while (total < MAX) {
            long n = p.cfd().spliceTo(pipe, MAX - total);
            assertThat(n).as("splice after %d bytes", total).isPositive();
            total += n;
        }
        assertThat(readPipe(pipe, MAX)).isEqualTo(mem);
    }

    /** A 16 KiB record spliced in parts into a one-page pipe, each part read out before the next. */
    @TlsVariants
    void splice_to_pipe_small(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        assertThat(pipe.setCapacity(4096)).isGreaterThanOrEqualTo(4096);
        byte[] mem = Bytes.random(MAX);
        assertThat(send(p.fd(), mem)).isEqualTo(MAX);
        byte[] got = new byte[MAX];
        int total = 0;
        while (total < MAX) {
            int n = (int) p.cfd().spliceTo(pipe, MAX - total);
            assertThat(n).as("splice after %d bytes", total).isPositive();
            System.arraycopy(readPipe(pipe, n), 0, got, total, n);
            total += n;
        }
        assertThat(got).isEqualTo(mem);
    }

    /**
     * Adapted: 48 one-byte writes stand for the selftest's 48 {@code vmsplice} calls (no Java form). A splice of
     * 48 + 4096 moves all 304 bytes, which arrive as one record; nothing follows.
     */
    @TlsVariants
    void splice_short(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        int frags = 48;
        assertThat(pipe.setCapacity((frags + 1) * 4096)).isGreaterThanOrEqualTo((frags + 1) * 4096);
        for (int i = 0; i < frags; i++) {
            writePipe(pipe, new byte[] {'S'});
        }
        writePipe(pipe, Bytes.filled(256, 's'));
        assertThat(p.fd().spliceFrom(pipe, frags + 0x1000)).isEqualTo(frags + 256);
        assertThat(recv(p.cfd(), 65536)).isEqualTo(Bytes.concat(Bytes.filled(frags, 'S'), Bytes.filled(256, 's')));
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), 65536, DONTWAIT));
    }

    /**
     * TLS 1.3: a splice stops before the KeyUpdate (8192), then is EINVAL on it; once it is read, EKEYEXPIRED; with
     * the next RX key the data after it is spliced.
     */
    @TlsVariants
    void splice_rekey(Variant v) throws Exception {
        TlsRekeyCases.assumeTls13(v);
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        byte[] mem = Bytes.random(MAX);
        int half = MAX / 2;
        assertThat(send(p.fd(), mem, 0, half)).isEqualTo(half);
        sendKeyUpdate(p.fd());
        CryptoInfo gen1 = info(v, 1);
        if (!rekeyTx(p.fd(), gen1)) {
            return;
        }
        assertThat(send(p.fd(), mem, half, half)).isEqualTo(half);
        assertThat(p.cfd().spliceTo(pipe, MAX)).isEqualTo(half);
        assertThat(readPipe(pipe, half)).isEqualTo(Arrays.copyOf(mem, half));
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p.cfd().spliceTo(pipe, MAX));
        recvKeyUpdate(p.cfd(), PEEK);
        recvKeyUpdate(p.cfd());
        Expect.errno(KeyExpiredException.class, Errno.EKEYEXPIRED, () -> p.cfd().spliceTo(pipe, MAX));
        p.cfd().install(Direction.RX, gen1);
        assertThat(p.cfd().spliceTo(pipe, MAX)).isEqualTo(half);
        assertThat(readPipe(pipe, half)).isEqualTo(Arrays.copyOfRange(mem, half, MAX));
    }

    /** TLS 1.3: after a peek that stops at the KeyUpdate, a splice moves the 26 bytes before it. */
    @TlsVariants
    void rekey_peek_splice(Variant v) throws Exception {
        TlsRekeyCases.assumeTls13(v);
        Pair p = tls(v);
        KtlsPipe pipe = pipe();
        assertThat(send(p.fd(), TlsRekeyCases.BEFORE)).isEqualTo(26);
        sendKeyUpdate(p.fd());
        CryptoInfo gen1 = info(v, 1);
        if (!rekeyTx(p.fd(), gen1)) {
            return;
        }
        assertThat(recv(p.cfd(), 100, PEEK)).isEqualTo(TlsRekeyCases.BEFORE);
        assertThat(p.cfd().spliceTo(pipe, MAX)).isEqualTo(26);
        assertThat(readPipe(pipe, 26)).isEqualTo(TlsRekeyCases.BEFORE);
    }
}
