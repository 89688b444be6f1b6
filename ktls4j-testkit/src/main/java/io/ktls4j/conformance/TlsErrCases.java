package io.ktls4j.conformance;

import static io.ktls4j.CipherType.AES_GCM_128;
import static io.ktls4j.MsgFlag.DONTWAIT;
import static io.ktls4j.conformance.SocketIo.TYPE_100;
import static io.ktls4j.conformance.SocketIo.rawRecord;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.send;
import static io.ktls4j.conformance.SocketIo.sendCmsg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ktls4j.BadRecordException;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.SpliceFlag;
import io.ktls4j.WouldBlockException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code FIXTURE(tls_err)} (docs/KERNEL-TLS-SEMANTICS.md §3.4): {@code fd} encrypts, its keyless peer {@code cfd} reads
 * the ciphertext; keyless {@code fd2} injects (possibly tampered) bytes into {@code cfd2}, which has RX keys.
 */
public abstract class TlsErrCases extends ConformanceCases {

    private ErrPairs tlsErr(Variant v) throws Exception {
        return tlsErr(v.version(), AES_GCM_128);
    }

    /** Encrypts {@code plain} on fd and returns the record as cfd sees it. */
    private static byte[] encrypt(ErrPairs e, byte[] plain) throws Exception {
        assertThat(send(e.fd(), plain)).isEqualTo(plain.length);
        byte[] rec = rawRecord(e.cfd());
        assertThat(rec.length).isGreaterThan(plain.length);
        return rec;
    }

    private static void inject(ErrPairs e, byte[] raw) throws Exception {
        assertThat(send(e.fd2(), raw)).isEqualTo(raw.length);
    }

    /** 64 bytes of 0x55: a header claiming 21845 bytes. EMSGSIZE, then (not sticky) EAGAIN. */
    @TlsErrVariants
    void bad_rec(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        inject(e, Bytes.filled(64, 0x55));
        Expect.errno(RecordOverflowException.class, Errno.EMSGSIZE, () -> recv(e.cfd2(), 64));
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(e.cfd2(), 64, DONTWAIT));
    }

    /** A record with its last (tag) byte incremented: EBADMSG, and again EBADMSG. */
    @TlsErrVariants
    void bad_auth(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        byte[] rec = encrypt(e, Bytes.random(64));
        rec[rec.length - 1]++;
        inject(e, rec);
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(e.cfd2(), 128));
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(e.cfd2(), 128));
    }

    /** Three 64-byte records, the third corrupted: a read of 384 returns 128, then EBADMSG twice. */
    @TlsErrVariants
    void bad_in_large_read(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        byte[][] txt = new byte[3][];
        for (int i = 0; i < 3; i++) {
            txt[i] = Bytes.random(64);
            byte[] rec = encrypt(e, txt[i]);
            if (i == 2) {
                rec[rec.length - 1]++;
            }
            inject(e, rec);
        }
        assertThat(recv(e.cfd2(), 384)).isEqualTo(Bytes.concat(txt[0], txt[1]));
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(e.cfd2(), 384));
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(e.cfd2(), 384));
    }

    /** A good data record, then a corrupted type-100 record: 64 bytes, then EBADMSG twice. */
    @TlsErrVariants
    void bad_cmsg(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        byte[] txt = Bytes.random(64);
        inject(e, encrypt(e, txt));
        assertThat(sendCmsg(e.fd(), TYPE_100, Bytes.cstr("test_read"))).isEqualTo(10);
        byte[] ctrl = rawRecord(e.cfd());
        assertThat(ctrl.length).isGreaterThan(10);
        ctrl[ctrl.length - 1]++;
        inject(e, ctrl);
        assertThat(recv(e.cfd2(), 128)).isEqualTo(txt);
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(e.cfd2(), 128));
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(e.cfd2(), 128));
    }

    /**
     * Two readers contend on one empty socket and the one that may not wait gets EAGAIN, twice. Adapted: Java has no
     * SO_RCVTIMEO on channels, so the contending reader uses MSG_DONTWAIT (a zero timeout) while another thread is
     * blocked in read; a record then releases the blocked reader.
     */
    @TlsErrVariants
    void timeo(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        Future<byte[]> blocked = background(() -> recv(e.cfd2(), 128));
        SocketIo.sleep(Duration.ofMillis(50));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(e.cfd2(), 128, DONTWAIT));
            Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(e.cfd2(), 128, DONTWAIT));
        }, "a MSG_DONTWAIT read must not wait for another thread's blocked read");
        assertThat(blocked.isDone()).as("the other reader is still waiting").isFalse();
        byte[] txt = Bytes.random(16);
        inject(e, encrypt(e, txt));
        assertThat(join(blocked)).isEqualTo(txt);
    }

    /** Only the first 100 bytes of a record: not readable; the rest: readable and the 128 bytes come out. */
    @TlsErrVariants
    void poll_partial_rec(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        assertThat(SocketIo.staysUnreadable(e.cfd2(), Duration.ofMillis(1))).isTrue();
        byte[] buf = Bytes.random(128);
        byte[] rec = encrypt(e, buf);
        inject(e, Arrays.copyOf(rec, 100));
        assertThat(SocketIo.staysUnreadable(e.cfd2(), Duration.ofMillis(50))).as("a partial record").isTrue();
        inject(e, Arrays.copyOfRange(rec, 100, rec.length));
        assertThat(SocketIo.pollIn(e.cfd2(), Duration.ofSeconds(5))).as("the whole record").isTrue();
        assertThat(recv(e.cfd2(), 256)).isEqualTo(buf);
    }

    /**
     * The same with the channel in non-blocking mode and a {@link Selector} where the selftest uses epoll: while
     * only part of the record is there, the socket is not readable and a read is EAGAIN, whatever the selector says
     * about the TCP bytes; once the rest arrives the selector-driven read returns the 128 bytes.
     */
    @TlsErrVariants
    void epoll_partial_rec(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        KtlsSocket cfd2 = e.cfd2();
        cfd2.channel().configureBlocking(false);
        Selector selector = closeLater(Selector.open());
        cfd2.channel().register(selector, SelectionKey.OP_READ);
        assertThat(selector.selectNow()).as("epoll_wait on an idle socket").isZero();
        assertThat(cfd2.readable()).isFalse();
        byte[] buf = Bytes.random(128);
        byte[] rec = encrypt(e, buf);
        inject(e, Arrays.copyOf(rec, 100));
        selector.select(50);
        selector.selectedKeys().clear();
        assertThat(cfd2.readable()).as("a partial record").isFalse();
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(cfd2, 256));
        inject(e, Arrays.copyOfRange(rec, 100, rec.length));
        ByteBuffer got = ByteBuffer.allocate(256);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (got.position() == 0 && System.nanoTime() < deadline) {
            selector.select(100);
            selector.selectedKeys().clear();
            try {
                cfd2.read(got);
            } catch (WouldBlockException stillPartial) {
                // the rest has not arrived yet
            }
        }
        assertThat(Bytes.written(got)).isEqualTo(buf);
    }

    /**
     * A poller on another thread sees no wake-up for a partial record (20 ms), then after a barrier and the rest of
     * the record it sees the socket readable.
     */
    @TlsErrVariants
    void poll_partial_rec_async(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        byte[] buf = Bytes.random(128);
        byte[] rec = encrypt(e, buf);
        CountDownLatch barrier = new CountDownLatch(1);
        Future<boolean[]> poller = background(() -> {
            boolean early = SocketIo.pollIn(e.cfd2(), Duration.ofMillis(20));
            barrier.countDown();
            boolean late = SocketIo.pollIn(e.cfd2(), Duration.ofSeconds(5));
            return new boolean[] {early, late};
        });
        SocketIo.sleep(Duration.ofMillis(1));
        inject(e, Arrays.copyOf(rec, 100));
        assertThat(barrier.await(10, TimeUnit.SECONDS)).isTrue();
        inject(e, Arrays.copyOfRange(rec, 100, rec.length));
        boolean[] polls = join(poller);
        assertThat(polls[0]).as("poll(20 ms) across a partial record").isFalse();
        assertThat(polls[1]).as("poll after the rest").isTrue();
        assertThat(recv(e.cfd2(), 256)).isEqualTo(buf);
    }

    /** Appendix A: after EBADMSG from recv, a non-blocking splice answers EBADMSG too (the error is sticky). */
    @TlsErrVariants
    void bad_auth_splice(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        KtlsPipe pipe = pipe();
        byte[] rec = encrypt(e, Bytes.random(64));
        rec[rec.length - 1]++;
        inject(e, rec);
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(e.cfd2(), 128));
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> e.cfd2().spliceTo(pipe, 128, SpliceFlag.NONBLOCK));
    }

    /**
     * On the keyless fd2 towards cfd2 (RX): {@code send(5, MSG_OOB)}, {@code send(65536)}, then 64 ×
     * {@code send(5, MSG_OOB)}, each taken whole; nothing is read. Beyond the selftest: on fd, which has a TX key,
     * MSG_OOB is EOPNOTSUPP, as {@code tls_sw_sendmsg} answers.
     */
    @TlsErrVariants
    void oob_pressure(Variant v) throws Exception {
        ErrPairs e = tlsErr(v);
        byte[] oob = Bytes.ascii("12345");
        assertThat(send(e.fd2(), oob, MsgFlag.OOB)).isEqualTo(5);
        assertThat(send(e.fd2(), new byte[65536])).isEqualTo(65536);
        for (int i = 0; i < 64; i++) {
            assertThat(send(e.fd2(), oob, MsgFlag.OOB)).as("send #%d", i).isEqualTo(5);
        }
        Expect.errno(KtlsException.class, Errno.EOPNOTSUPP, () -> send(e.fd(), oob, MsgFlag.OOB));
    }
}
