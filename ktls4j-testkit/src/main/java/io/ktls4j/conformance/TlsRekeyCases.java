package io.ktls4j.conformance;

import static io.ktls4j.CipherType.AES_GCM_256;
import static io.ktls4j.CipherType.CHACHA20_POLY1305;
import static io.ktls4j.MsgFlag.DONTWAIT;
import static io.ktls4j.MsgFlag.PEEK;
import static io.ktls4j.TlsVersion.TLS_1_2;
import static io.ktls4j.conformance.Bytes.cstr;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.recvKeyUpdate;
import static io.ktls4j.conformance.SocketIo.send;
import static io.ktls4j.conformance.SocketIo.sendKeyUpdate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.CipherType;
import io.ktls4j.ControlRecordException;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KeyExpiredException;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code TEST_F(tls, rekey*)} (docs/KERNEL-TLS-SEMANTICS.md §3.2 items 60–62, 65–67). TLS 1.3 only unless stated (the
 * selftest returns on TLS 1.2). On a backend without rekey the first new key must be refused with
 * {@link io.ktls4j.KernelFeatureException}, and the case ends there.
 */
public abstract class TlsRekeyCases extends ConformanceCases {
    static final byte[] BEFORE = cstr("test_message_before_rekey");
    static final byte[] AFTER = cstr("test_message_after_rekey");

    static void assumeTls13(Variant v) {
        assumeTrue(v.isTls13(), () -> v + ": the selftest returns on TLS 1.2 (KeyUpdate is TLS 1.3 only)");
    }

    /** The RX side of a rekey: EIO before the KeyUpdate is read, EKEYEXPIRED after, data once the key is in. */
    private void receiveAcrossKeyUpdate(KtlsSocket cfd, CryptoInfo gen1) throws Exception {
        Expect.errno(ControlRecordException.class, Errno.EIO, () -> recv(cfd, AFTER.length));
        recvKeyUpdate(cfd);
        Expect.errno(KeyExpiredException.class, Errno.EKEYEXPIRED, () -> recv(cfd, 100));
        Expect.errno(KeyExpiredException.class, Errno.EKEYEXPIRED, () -> recv(cfd, 100, DONTWAIT));
        cfd.install(Direction.RX, gen1);
        assertThat(recv(cfd, AFTER.length)).isEqualTo(AFTER);
    }

    @TlsVariants
    void rekey(Variant v) throws Exception {
        assumeTls13(v);
        Pair p = tls(v);
        assertThat(send(p.fd(), BEFORE)).isEqualTo(26);
        assertThat(recv(p.cfd(), 26)).isEqualTo(BEFORE);
        sendKeyUpdate(p.fd());
        CryptoInfo gen1 = info(v, 1);
        if (!rekeyTx(p.fd(), gen1)) {
            return;
        }
        assertThat(send(p.fd(), AFTER)).isEqualTo(25);
        receiveAcrossKeyUpdate(p.cfd(), gen1);
    }

    /**
     * All variants. TLS 1.2: a second TX key is EBUSY. TLS 1.3: generation 1 is accepted; a change of version (TX
     * and RX) or cipher is EINVAL and has no effect on the following exchange.
     */
    @TlsVariants
    void rekey_fail(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), BEFORE)).isEqualTo(26);
        assertThat(recv(p.cfd(), 26)).isEqualTo(BEFORE);
        sendKeyUpdate(p.fd());
        CryptoInfo gen1 = info(v, 1);
        if (!v.isTls13()) {
            Expect.errno(KtlsException.class, Errno.EBUSY, () -> p.fd().install(Direction.TX, gen1));
            return;
        }
        if (!rekeyTx(p.fd(), gen1)) {
            return;
        }
        CryptoInfo wrongVersion = info(TLS_1_2, v.cipher(), 1);
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p.fd().install(Direction.TX, wrongVersion));
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p.cfd().install(Direction.RX, wrongVersion));
        CipherType other = v.cipher() == AES_GCM_256 ? CHACHA20_POLY1305 : AES_GCM_256;
        CryptoInfo wrongCipher = info(v.version(), other, 1);
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p.fd().install(Direction.TX, wrongCipher));
        assertThat(send(p.fd(), AFTER)).isEqualTo(25);
        receiveAcrossKeyUpdate(p.cfd(), gen1);
    }

    /** A peek stops at the KeyUpdate (returns 26); the KeyUpdate is peeked and read with a control buffer. */
    @TlsVariants
    void rekey_peek(Variant v) throws Exception {
        assumeTls13(v);
        Pair p = tls(v);
        assertThat(send(p.fd(), BEFORE)).isEqualTo(26);
        sendKeyUpdate(p.fd());
        CryptoInfo gen1 = info(v, 1);
        if (!rekeyTx(p.fd(), gen1)) {
            return;
        }
        assertThat(recv(p.cfd(), 100, PEEK)).isEqualTo(BEFORE);
        assertThat(recv(p.cfd(), 26)).isEqualTo(BEFORE);
        Expect.errno(ControlRecordException.class, Errno.EIO, () -> recv(p.cfd(), 26, PEEK));
        recvKeyUpdate(p.cfd(), PEEK);
        recvKeyUpdate(p.cfd());
        p.cfd().install(Direction.RX, gen1);
    }

    /** getsockopt reads back generation 0 on both ends, and after a rekey exactly generation 1 (rec_seq 0x01…). */
    @TlsVariants
    void rekey_getsockopt(Variant v) throws Exception {
        Pair p = tls(v);
        assertInstalled(p.fd(), Direction.TX, info(v, 0));
        assertInstalled(p.cfd(), Direction.RX, info(v, 0));
        if (!v.isTls13()) {
            return;
        }
        sendKeyUpdate(p.fd());
        CryptoInfo gen1 = info(v, 1);
        if (!rekeyTx(p.fd(), gen1)) {
            return;
        }
        recvKeyUpdate(p.cfd());
        p.cfd().install(Direction.RX, gen1);
        assertInstalled(p.fd(), Direction.TX, gen1);
        assertInstalled(p.cfd(), Direction.RX, gen1);
    }

    private void assertInstalled(KtlsSocket s, Direction d, CryptoInfo expect) throws Exception {
        CryptoInfo got = s.cryptoInfo(d).orElseThrow();
        closeLater(got::destroy);
        assertThat(zeroLater(got.toBytes())).as("getsockopt(%s)", d).isEqualTo(zeroLater(expect.toBytes()));
    }

    /**
     * With the KeyUpdate consumed and data queued the socket is not readable; installing the RX key (from another
     * thread, 1 s later) wakes the poller.
     */
    @TlsVariants
    void rekey_poll_pending(Variant v) throws Exception {
        assumeTls13(v);
        Pair p = tls(v);
        sendKeyUpdate(p.fd());
        CryptoInfo gen1 = info(v, 1);
        if (!rekeyTx(p.fd(), gen1)) {
            return;
        }
        recvKeyUpdate(p.cfd());
        assertThat(send(p.fd(), AFTER)).isEqualTo(25);
        SocketIo.settle();
        assertThat(p.cfd().readable()).as("poll(0) while the key is pending").isFalse();
        Future<Void> installer = background(() -> {
            SocketIo.sleep(Duration.ofSeconds(1));
            p.cfd().install(Direction.RX, gen1);
            return null;
        });
        assertThat(SocketIo.pollIn(p.cfd(), Duration.ofMillis(5000))).as("poll(5000) woken by the key").isTrue();
        join(installer);
        assertThat(recv(p.cfd(), 25)).isEqualTo(AFTER);
    }

    /** The poller waits through the key install (after 1 s) until data arrives (1 s later). */
    @TlsVariants
    void rekey_poll_delay(Variant v) throws Exception {
        assumeTls13(v);
        Pair p = tls(v);
        sendKeyUpdate(p.fd());
        CryptoInfo gen1 = info(v, 1);
        if (!rekeyTx(p.fd(), gen1)) {
            return;
        }
        recvKeyUpdate(p.cfd());
        AtomicBoolean sending = new AtomicBoolean();
        Future<Void> peer = background(() -> {
            SocketIo.sleep(Duration.ofSeconds(1));
            p.cfd().install(Direction.RX, gen1);
            SocketIo.sleep(Duration.ofSeconds(1));
            sending.set(true);
            assertThat(send(p.fd(), AFTER)).isEqualTo(25);
            return null;
        });
        assertThat(SocketIo.pollIn(p.cfd(), Duration.ofMillis(5000))).as("poll(5000)").isTrue();
        assertThat(sending).as("readable only once data was sent, not at the key install").isTrue();
        join(peer);
        assertThat(recv(p.cfd(), 25)).isEqualTo(AFTER);
    }
}
