package io.ktls4j.linux;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ktls4j.BackendKind;
import io.ktls4j.BadRecordException;
import io.ktls4j.CipherType;
import io.ktls4j.ControlRecordException;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input on the real kernel: each call gets the kernel's own errno as the typed exception, and the JVM survives
 * (no call takes a pointer the kernel could misuse). Named after the selftests they mirror where there is one.
 */
@Tag(LabTags.KERNEL)
@ExtendWith(KernelRequired.class)
class KernelBadInputTest {
    private final KernelTestSupport t = new KernelTestSupport();
    private final KernelBackend kernel = new KernelBackend();

    @AfterEach
    void close() throws Exception {
        t.close();
    }

    private static KtlsException errnoOf(Throwable e, Errno errno) {
        assertThat(e).isInstanceOf(KtlsException.class);
        assertThat(((KtlsException) e).errno()).isEqualTo(errno);
        return (KtlsException) e;
    }

    @Test
    void wrongLengthCryptoInfoIsEinval() throws Exception {
        SocketChannel[] p = t.pair();
        KernelKtlsSocket s = t.later(kernel.attach(p[0]));
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 7, 0);
        byte[] good = keys.toBytes();
        for (int len : new int[] {0, 3, 4, good.length - 1, good.length + 1, 200}) {
            byte[] raw = java.util.Arrays.copyOf(good, len);
            assertThatThrownBy(() -> s.installRaw(Direction.TX, raw)).as("optlen %d", len)
                    .satisfies(e -> errnoOf(e, Errno.EINVAL));
            for (byte x : raw) {
                assertThat(x).as("the hook zeroes what it was given").isZero();
            }
        }
        assertThat(s.cryptoInfo(Direction.TX)).isEmpty();
        s.install(Direction.TX, keys); // the socket is still usable
        assertThat(s.cryptoInfo(Direction.TX)).get().satisfies(i -> assertThat(i.sameAs(keys)).isTrue());
    }

    @Test
    void non_established() throws Exception {
        try (SocketChannel unconnected = SocketChannel.open()) {
            unconnected.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertThatThrownBy(() -> kernel.attach(unconnected)).satisfies(e -> errnoOf(e, Errno.ENOTCONN));
        }
        try (ServerSocketChannel listening = ServerSocketChannel.open()) {
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertThatThrownBy(() -> KernelBackend.attachUlp(listening)).satisfies(e -> errnoOf(e, Errno.ENOTCONN));
        }
        SocketChannel[] p = t.pair();
        t.later(kernel.attach(p[0]));
        assertThatThrownBy(() -> kernel.attach(p[0])).satisfies(e -> errnoOf(e, Errno.EEXIST));
    }

    @Test
    void rekeyOfTls12IsPlainEbusy() throws Exception {
        SocketChannel[] p = t.pair();
        KernelKtlsSocket s = t.later(kernel.attach(p[0]));
        s.install(Direction.TX, KernelTestSupport.keys(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 0, 0));
        assertThatThrownBy(() -> s.install(Direction.TX, KernelTestSupport.keys(TlsVersion.TLS_1_2,
                CipherType.AES_GCM_128, 1, 0)))
                .isExactlyInstanceOf(KtlsException.class).hasMessageContaining("TLS 1.2 has no rekey")
                .satisfies(e -> errnoOf(e, Errno.EBUSY));
    }

    @Test
    void rekeyOfTls13WithoutKernelSupportNamesTheFeature() throws Exception {
        assumeThat(KernelTls.supportsRekey()).as("this kernel rekeys").isFalse();
        SocketChannel[] p = t.pair();
        KernelKtlsSocket s = t.later(kernel.attach(p[0]));
        s.install(Direction.RX, KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0, 0));
        assertThatThrownBy(() -> s.install(Direction.RX, KernelTestSupport.keys(TlsVersion.TLS_1_3,
                CipherType.AES_GCM_128, 1, 0)))
                .isInstanceOf(KernelFeatureException.class).hasMessageContaining("6.14")
                .satisfies(e -> errnoOf(e, Errno.EBUSY));
    }

    @Test
    void txMaxPayloadLenWithoutKernelSupportNamesTheFeatureAndReportsTheLimitInForce() throws Exception {
        assumeThat(KernelTls.supportsTxMaxPayloadLen()).as("this kernel has the option").isFalse();
        SocketChannel[] p = t.pair();
        KernelKtlsSocket s = t.later(kernel.attach(p[0]));
        s.install(Direction.TX, KernelTestSupport.keys(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 0, 0));
        assertThatThrownBy(() -> s.setTxMaxPayloadLen(1024)).isInstanceOf(KernelFeatureException.class)
                .hasMessageContaining("TLS_TX_MAX_PAYLOAD_LEN").hasMessageContaining("6.19")
                .satisfies(e -> errnoOf(e, Errno.ENOPROTOOPT));
        assertThat(s.txMaxPayloadLen()).as("records of such a kernel are up to 2^14").isEqualTo(16384);
    }

    /** tls_err.bad_auth: a record with its tag changed, from a keyless peer, is EBADMSG, sticky. */
    @Test
    void bad_auth() throws Exception {
        SocketChannel[] a = t.pair();
        SocketChannel[] b = t.pair();
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 3, 0);
        KernelKtlsSocket tx = t.later(kernel.attach(a[0]));
        tx.install(Direction.TX, keys);
        KernelKtlsSocket rx = t.later(kernel.attach(b[1]));
        rx.install(Direction.RX, keys);
        tx.send(ByteBuffer.wrap(KernelTestSupport.random(64, 1)));
        tx.shutdownOutput();
        byte[] record = KernelTestSupport.readToEof(a[1]);
        assertThat(record).hasSize(5 + 64 + 1 + 16);
        record[record.length - 1]++;
        b[0].write(ByteBuffer.wrap(record));
        long errorsBefore = KernelTls.statistics().get(io.ktls4j.TlsStat.TlsDecryptError);
        ByteBuffer dst = ByteBuffer.allocate(128);
        assertThatThrownBy(() -> rx.read(dst)).isInstanceOf(BadRecordException.class);
        assertThatThrownBy(() -> rx.read(dst)).isInstanceOf(BadRecordException.class);
        assertThat(KernelTls.statistics().get(io.ktls4j.TlsStat.TlsDecryptError)).isGreaterThan(errorsBefore);
    }

    /** A control record read without a control buffer is EIO, and the peeked type is reported. */
    @Test
    void controlRecordWithoutControlBufferIsEioWithItsType() throws Exception {
        SocketChannel[] p = t.pair();
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_2, CipherType.AES_GCM_256, 9, 5);
        KernelKtlsSocket tx = t.later(kernel.attach(p[0]));
        KernelKtlsSocket rx = t.later(kernel.attach(p[1]));
        tx.install(Direction.TX, keys);
        rx.install(Direction.RX, keys);
        tx.sendControl(RecordType.ALERT, ByteBuffer.wrap(new byte[] {1, 0}));
        ByteBuffer dst = ByteBuffer.allocate(16);
        assertThatThrownBy(() -> rx.read(dst)).isInstanceOf(ControlRecordException.class)
                .satisfies(e -> assertThat(((ControlRecordException) e).recordType()).isEqualTo(RecordType.ALERT));
        io.ktls4j.Received r = rx.receive(dst); // the record is still there for a control-capable read
        assertThat(r.type()).isEqualTo(RecordType.ALERT);
        assertThat(r.bytes()).isEqualTo(2);
    }

    @Test
    void sockDiagTellsWhatCarriesEachDirection() throws Exception {
        SocketChannel[] p = t.pair();
        KernelKtlsSocket s = t.later(kernel.attach(p[0]));
        assertThat(s.backend(Direction.TX)).isEqualTo(BackendKind.NONE);
        s.install(Direction.TX, KernelTestSupport.keys(TlsVersion.TLS_1_2, CipherType.AES_CCM_128, 0, 0));
        assertThat(s.backend(Direction.TX)).isEqualTo(BackendKind.KERNEL_SW);
        assertThat(s.backend(Direction.RX)).isEqualTo(BackendKind.NONE);
        if (KernelTls.sockDiagProbe().supported()) {
            assertThat(s.backendEvidence(Direction.TX)).isEqualTo("sock_diag TLS_INFO_TXCONF = 2");
        }
    }

    @Test
    void cryptoInfoReadsBackTheLiveRecSeq() throws Exception {
        SocketChannel[] p = t.pair();
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.CHACHA20_POLY1305, 4, 41);
        KernelKtlsSocket tx = t.later(kernel.attach(p[0]));
        assertThat(tx.cryptoInfo(Direction.TX)).isEmpty();
        tx.install(Direction.TX, keys);
        tx.send(ByteBuffer.wrap(new byte[10]));
        tx.send(ByteBuffer.wrap(new byte[10]));
        CryptoInfo now = tx.cryptoInfo(Direction.TX).orElseThrow();
        assertThat(now.recSeq()).isEqualTo(43);
        assertThat(now.sameAs(keys.withRecSeq(43))).isTrue();
        assertThat(keys.isDestroyed()).as("the caller keeps its CryptoInfo").isFalse();
    }

    /** A stream that ends inside a record is EPROTO (the kernel alone says EOF); one that ends between records is EOF. */
    @Test
    void endOfStreamInsideARecordIsEproto() throws Exception {
        SocketChannel[] a = t.pair();
        SocketChannel[] b = t.pair();
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 6, 0);
        KernelKtlsSocket tx = t.later(kernel.attach(a[0]));
        tx.install(Direction.TX, keys);
        KernelKtlsSocket rx = t.later(kernel.attach(b[1]));
        rx.install(Direction.RX, keys);
        tx.send(ByteBuffer.wrap(KernelTestSupport.random(100, 3)));
        tx.send(ByteBuffer.wrap(KernelTestSupport.random(100, 4)));
        tx.shutdownOutput();
        byte[] records = KernelTestSupport.readToEof(a[1]);
        b[0].write(ByteBuffer.wrap(records, 0, records.length - 7)); // the second record without its last 7 bytes
        b[0].shutdownOutput();
        assertThat(KernelTestSupport.readFully(rx, 100)).isEqualTo(KernelTestSupport.random(100, 3));
        ByteBuffer dst = ByteBuffer.allocate(200);
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> rx.read(dst)).satisfies(e -> errnoOf(e, Errno.EPROTO))
                    .hasMessageContaining("ended inside a record");
        }
        assertThatThrownBy(() -> rx.receive(dst)).satisfies(e -> errnoOf(e, Errno.EPROTO));

        SocketChannel[] c = t.pair();
        KernelKtlsSocket tx2 = t.later(kernel.attach(c[0]));
        KernelKtlsSocket rx2 = t.later(kernel.attach(c[1]));
        tx2.install(Direction.TX, keys);
        rx2.install(Direction.RX, keys);
        tx2.send(ByteBuffer.wrap(new byte[] {42}));
        tx2.shutdownOutput();
        assertThat(KernelTestSupport.readFully(rx2, 1)).containsExactly(42);
        assertThat(rx2.read(dst)).isEqualTo(-1);
        assertThat(rx2.receive(dst).isEndOfStream()).isTrue();
    }
}
