package io.ktls4j.conformance;

import static io.ktls4j.CipherType.AES_CCM_128;
import static io.ktls4j.CipherType.AES_GCM_128;
import static io.ktls4j.CipherType.AES_GCM_256;
import static io.ktls4j.MsgFlag.DONTWAIT;
import static io.ktls4j.MsgFlag.EOR;
import static io.ktls4j.MsgFlag.MORE;
import static io.ktls4j.MsgFlag.PEEK;
import static io.ktls4j.MsgFlag.WAITALL;
import static io.ktls4j.TlsVersion.TLS_1_2;
import static io.ktls4j.TlsVersion.TLS_1_3;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.WouldBlockException;
import io.ktls4j.testkit.Patience;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The plain {@code TEST()}s (docs/KERNEL-TLS-SEMANTICS.md §3.5) and the contract's checks of the same options. */
public abstract class SocketOptionCases extends ConformanceCases {

    /** TX on cfd (TLS 1.2 AES_CCM_128), keyless fd parses what cfd writes; returns cfd. */
    private Pair txOnCfd() throws Exception {
        assumeSupported(TLS_1_2, AES_CCM_128);
        Pair p = ulpSockPair();
        p.cfd().install(Direction.TX, info(TLS_1_2, AES_CCM_128, 0));
        return p;
    }

    /** {@code parse_tls_records}: every record is application data, 0x0303, ≤ limit; returns the plaintext total. */
    static int parseTlsRecords(byte[] rx, int overhead, int maxPayloadLen) {
        int off = 0;
        int total = 0;
        while (off < rx.length) {
            assertThat(rx.length - off).as("a whole header at %d", off).isGreaterThanOrEqualTo(5);
            assertThat(rx[off]).as("type").isEqualTo((byte) 23);
            assertThat(rx[off + 1]).isEqualTo((byte) 3);
            assertThat(rx[off + 2]).isEqualTo((byte) 3);
            int len = ((rx[off + 3] & 0xff) << 8) | (rx[off + 4] & 0xff);
            assertThat(len).isGreaterThanOrEqualTo(overhead);
            assertThat(len - overhead).as("plaintext of the record at %d", off).isLessThanOrEqualTo(maxPayloadLen);
            total += len - overhead;
            off += 5 + len;
        }
        assertThat(off).as("the stream ends on a record boundary").isEqualTo(rx.length);
        return total;
    }

    @Test
    void tls_12_tx_max_payload_len() throws Exception {
        Pair p = txOnCfd();
        if (!backendUnderTest().supportsTxMaxPayloadLen()) {
            Expect.missingFeature(() -> p.cfd().setTxMaxPayloadLen(128));
            assertThat(p.cfd().txMaxPayloadLen()).as("the limit such a kernel writes with").isEqualTo(16384);
            return;
        }
        assertThat(p.cfd().txMaxPayloadLen()).as("default").isEqualTo(16384);
        p.cfd().setTxMaxPayloadLen(128);
        assertThat(p.cfd().txMaxPayloadLen()).isEqualTo(128);
        assertThat(send(p.cfd(), new byte[1024])).isEqualTo(1024);
        p.cfd().close();
        byte[] rx = SocketIo.readToEof(p.fd());
        assertThat(parseTlsRecords(rx, 16 + 8, 128)).isEqualTo(1024);
    }

    @Test
    void tls_12_tx_max_payload_len_open_rec() throws Exception {
        Pair p = txOnCfd();
        if (!backendUnderTest().supportsTxMaxPayloadLen()) {
            Expect.missingFeature(() -> p.cfd().setTxMaxPayloadLen(512));
            return;
        }
        p.cfd().setTxMaxPayloadLen(512);
        assertThat(send(p.cfd(), new byte[256], MORE)).isEqualTo(256);
        Expect.errno(KtlsException.class, Errno.EBUSY, () -> p.cfd().setTxMaxPayloadLen(128));
        assertThat(p.cfd().txMaxPayloadLen()).isEqualTo(512);
        assertThat(send(p.cfd(), new byte[768], EOR)).isEqualTo(768);
        p.cfd().close();
        assertThat(parseTlsRecords(SocketIo.readToEof(p.fd()), 16 + 8, 512)).isEqualTo(1024);
    }

    /** tls.rst: 64..16384 for TLS 1.2, 63..16384 for TLS 1.3; anything else is EINVAL. Not a selftest. */
    @Test
    void tx_max_payload_len_range() throws Exception {
        assumeTrue(backendUnderTest().supportsTxMaxPayloadLen(), "TLS_TX_MAX_PAYLOAD_LEN not supported (see above)");
        Pair p12 = txOnCfd();
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p12.cfd().setTxMaxPayloadLen(63));
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p12.cfd().setTxMaxPayloadLen(16385));
        p12.cfd().setTxMaxPayloadLen(64);
        p12.cfd().setTxMaxPayloadLen(16384);
        assumeSupported(TLS_1_3, AES_GCM_128);
        Pair p13 = ulpSockPair();
        p13.fd().install(Direction.TX, info(TLS_1_3, AES_GCM_128, 0));
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p13.fd().setTxMaxPayloadLen(62));
        p13.fd().setTxMaxPayloadLen(63);
        assertThat(p13.fd().txMaxPayloadLen()).isEqualTo(63);
    }

    /**
     * The ULP on an unconnected socket is ENOTCONN; on a connected one it attaches, and a second time it is EEXIST.
     * Adapted: the listening-socket step cannot be expressed, a {@code ServerSocketChannel} is not a
     * {@code SocketChannel}.
     */
    @Test
    void non_established() throws Exception {
        SocketChannel unconnected = closeLater(SocketChannel.open());
        Expect.errno(KtlsException.class, Errno.ENOTCONN, () -> closeLater(backend().attach(unconnected)));
        Channels c = connectedChannels();
        attach(c.fd());
        Expect.errno(KtlsException.class, Errno.EEXIST, () -> closeLater(backend().attach(c.fd())));
    }

    /** TLS 1.2 AES_GCM_256 from an all-zero 56-byte struct installs on TX and RX. */
    @Test
    void keysizes() throws Exception {
        assumeSupported(TLS_1_2, AES_GCM_256);
        byte[] struct = Keys.struct(TLS_1_2.code(), AES_GCM_256.id(), AES_GCM_256.structSize());
        assertThat(struct).hasSize(56);
        CryptoInfo keys = CryptoInfo.fromBytes(struct);
        closeLater(keys::destroy);
        Pair p = ulpSockPair();
        p.fd().install(Direction.TX, keys);
        p.cfd().install(Direction.RX, keys);
        assertThat(p.fd().cryptoInfo(Direction.TX).orElseThrow().cipher()).isEqualTo(AES_GCM_256);
        assertThat(send(p.fd(), Bytes.cstr("test_read"))).isEqualTo(10);
        assertThat(recv(p.cfd(), 10)).isEqualTo(Bytes.cstr("test_read"));
    }

    /** TLS_RX_EXPECT_NO_PAD reads back as set: 1, then 0 (an int of 4 bytes in C, a boolean here). */
    @Test
    void no_pad() throws Exception {
        assumeSupported(TLS_1_3, AES_GCM_256);
        CryptoInfo keys = CryptoInfo.fromBytes(zeroLater(Keys.struct(TLS_1_3.code(), AES_GCM_256.id(), 56)));
        closeLater(keys::destroy);
        Pair p = ulpSockPair();
        p.fd().install(Direction.TX, keys);
        p.cfd().install(Direction.RX, keys);
        p.cfd().setRxExpectNoPad(true);
        assertThat(p.cfd().rxExpectNoPad()).isTrue();
        p.cfd().setRxExpectNoPad(false);
        assertThat(p.cfd().rxExpectNoPad()).isFalse();
    }

    /** tls.rst: TLS_RX_EXPECT_NO_PAD is TLS 1.3 only, EINVAL on a TLS 1.2 RX. Not a selftest. */
    @Test
    void no_pad_tls12_einval() throws Exception {
        assumeSupported(TLS_1_2, AES_GCM_128);
        Pair p = ulpSockPair();
        p.cfd().install(Direction.RX, info(TLS_1_2, AES_GCM_128, 0));
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> p.cfd().setRxExpectNoPad(true));
    }

    /** Over IPv6, TX and RX on the same socket leave its local address as it was. */
    @Test
    void tls_v6ops() throws Exception {
        assumeSupported(TLS_1_2, AES_GCM_128);
        Throwable noV6 = catchThrowable(this::connectedChannels6);
        assumeTrue(noV6 == null, () -> "no IPv6 loopback here: " + noV6);
        Channels c = connectedChannels6();
        SocketAddress before = c.fd().getLocalAddress();
        KtlsSocket fd = attach(c.fd());
        CryptoInfo keys = info(TLS_1_2, AES_GCM_128, 0);
        fd.install(Direction.TX, keys);
        fd.install(Direction.RX, keys);
        assertThat(fd.channel().getLocalAddress()).isEqualTo(before);
        assertThat(fd.cryptoInfo(Direction.RX)).isPresent();
    }

    /** 20000 bytes sent (MSG_DONTWAIT) before the peer has the ULP are parsed as TLS once it installs RX. */
    @Test
    void prequeue() throws Exception {
        assumeSupported(TLS_1_2, AES_GCM_256);
        byte[] buf = Bytes.random(20000);
        CryptoInfo keys = info(TLS_1_2, AES_GCM_256, 0);
        Channels c = connectedChannels();
        KtlsSocket fd = attach(c.fd());
        fd.install(Direction.TX, keys);
        assertThat(send(fd, buf, DONTWAIT)).isEqualTo(20000);
        SocketIo.settle();
        KtlsSocket cfd = attach(c.cfd());
        cfd.install(Direction.RX, keys);
        assertThat(recv(cfd, 20000, WAITALL)).isEqualTo(buf);
    }

    /**
     * A reader blocked in the plain (keyless) read path when TLS is installed under it takes the raw ciphertext it
     * was waiting for (10001 bytes); the stream is then desynchronised and a MSG_DONTWAIT read fails. Adapted: the
     * reader is a thread; the sync byte is detected with MSG_PEEK|MSG_DONTWAIT as in the selftest.
     */
    @Test
    void data_steal() throws Exception {
        assumeSupported(TLS_1_2, AES_GCM_256);
        byte[] buf = Bytes.random(20000);
        CryptoInfo keys = info(TLS_1_2, AES_GCM_256, 0);
        Pair p = ulpSockPair();
        Future<byte[]> child = background(() -> recv(p.cfd(), 10001, WAITALL));
        assertThat(send(p.fd(), buf, 0, 1)).isEqualTo(1);
        Throwable last = assertTimeoutPreemptively(Patience.of(Duration.ofSeconds(10)), () -> {
            Throwable t;
            do {
                SocketIo.sleep(Duration.ofNanos(500_000));
                t = catchThrowable(() -> recv(p.cfd(), 1, PEEK, DONTWAIT));
            } while (t == null);
            return t;
        }, "MSG_PEEK|MSG_DONTWAIT must answer while another thread is blocked in read");
        assertThat(last).as("the sync byte was taken by the blocked reader").isInstanceOf(WouldBlockException.class);
        assertThat(child.isDone()).as("the reader still waits for its 10001 bytes (MSG_WAITALL)").isFalse();
        p.fd().install(Direction.TX, keys);
        assertTimeoutPreemptively(Patience.of(Duration.ofSeconds(10)), () -> p.cfd().install(Direction.RX, keys),
                "installing TLS_RX must not wait for a reader blocked in the keyless path");
        assertThat(send(p.fd(), buf)).isEqualTo(20000);
        byte[] stolen = join(child);
        assertThat(stolen).hasSize(10001);
        assertThat(stolen[0]).as("the sync byte").isEqualTo(buf[0]);
        assertThat(java.util.Arrays.copyOfRange(stolen, 1, 4)).as("then a raw TLS 1.2 data record header")
                .containsExactly(0x17, 0x03, 0x03);
        SocketIo.settle();
        assertThat(catchThrowable(() -> recv(p.cfd(), 20000, DONTWAIT)))
                .as("the rest of the stream is not a record boundary").isInstanceOf(KtlsException.class);
    }
}
