package io.ktls4j.conformance;

import static io.ktls4j.CipherType.AES_GCM_128;
import static io.ktls4j.TlsVersion.TLS_1_2;
import static io.ktls4j.TlsVersion.TLS_1_3;
import static io.ktls4j.conformance.Bytes.cstr;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.send;
import static io.ktls4j.conformance.SocketIo.sendCmsg;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code FIXTURE(tls_basic)} (docs/KERNEL-TLS-SEMANTICS.md §3.1): the ULP on both ends, each case installs its own keys.
 * Plus Appendix A's {@code tls_basic.recvmsg_nopad_retry_iov}.
 */
public abstract class TlsBasicCases extends ConformanceCases {
    private KtlsSocket fd;
    private KtlsSocket cfd;

    @BeforeEach
    void setUpTlsBasic() throws Exception {
        Pair p = ulpSockPair();
        fd = p.fd();
        cfd = p.cfd();
    }

    /** No keys: the ULP passes bytes through. */
    @Test
    void base_base() throws Exception {
        assertThat(fd.backend(Direction.TX)).isEqualTo(BackendKind.NONE);
        assertThat(cfd.backend(Direction.RX)).isEqualTo(BackendKind.NONE);
        assertThat(send(fd, cstr("test_read"))).isEqualTo(10);
        assertThat(recv(cfd, 10)).isEqualTo(cstr("test_read"));
    }

    /**
     * Version 200 and cipher types 50, 59, 10, 70 are refused with EINVAL. Adapted: the contract's typed
     * {@link CryptoInfo} cannot hold them, so the refusal happens where the 40-byte struct is parsed
     * ({@link CryptoInfo#fromBytes}); the socket is left without a key and still passes data through.
     */
    @Test
    void bad_cipher() throws Exception {
        int size = AES_GCM_128.structSize();
        assertThat(size).isEqualTo(40);
        Expect.errno(KtlsException.class, Errno.EINVAL,
                () -> CryptoInfo.fromBytes(Keys.struct(200, AES_GCM_128.id(), size)));
        for (int cipher : new int[] {50, 59, 10, 70}) {
            Expect.errno(KtlsException.class, Errno.EINVAL,
                    () -> CryptoInfo.fromBytes(Keys.struct(TLS_1_2.code(), cipher, size)));
        }
        assertNoKey(fd, Direction.TX);
        assertThat(send(fd, cstr("test_read"))).isEqualTo(10);
        assertThat(recv(cfd, 10)).isEqualTo(cstr("test_read"));
    }

    /** rec_seq 0xff×8: the next record would wrap the sequence number, so send fails with EBADMSG. */
    @Test
    void recseq_wrap() throws Exception {
        assumeSupported(TLS_1_2, AES_GCM_128);
        byte[] ff = new byte[8];
        Arrays.fill(ff, (byte) 0xff);
        CryptoInfo keys = closeLaterInfo(CryptoInfo.of(TLS_1_2, AES_GCM_128, new byte[16], new byte[8], new byte[4], ff));
        fd.install(Direction.TX, keys);
        cfd.install(Direction.RX, keys);
        Expect.errno(KtlsException.class, Errno.EBADMSG, () -> send(fd, cstr("test_read")));
    }

    /** RX gets generation 0 and then, before any data, generation 1; TX sends with generation 1. */
    @Test
    void rekey_rx() throws Exception {
        assumeSupported(TLS_1_3, AES_GCM_128);
        fd.install(Direction.TX, info(TLS_1_3, AES_GCM_128, 1));
        cfd.install(Direction.RX, info(TLS_1_3, AES_GCM_128, 0));
        if (!backendUnderTest().supportsRekey()) {
            Expect.missingFeature(() -> cfd.install(Direction.RX, info(TLS_1_3, AES_GCM_128, 1)));
            return;
        }
        cfd.install(Direction.RX, info(TLS_1_3, AES_GCM_128, 1));
        assertThat(send(fd, cstr("test_message"))).isEqualTo(13);
        assertThat(recv(cfd, 13)).isEqualTo(cstr("test_message"));
    }

    /** TX gets generation 0 and then generation 1; RX reads with generation 1. */
    @Test
    void rekey_tx() throws Exception {
        assumeSupported(TLS_1_3, AES_GCM_128);
        fd.install(Direction.TX, info(TLS_1_3, AES_GCM_128, 0));
        cfd.install(Direction.RX, info(TLS_1_3, AES_GCM_128, 1));
        if (!backendUnderTest().supportsRekey()) {
            Expect.missingFeature(() -> fd.install(Direction.TX, info(TLS_1_3, AES_GCM_128, 1)));
            return;
        }
        fd.install(Direction.TX, info(TLS_1_3, AES_GCM_128, 1));
        assertThat(send(fd, cstr("test_message"))).isEqualTo(13);
        assertThat(recv(cfd, 13)).isEqualTo(cstr("test_message"));
    }

    /**
     * A record sent before RX is installed is parsed by the install and read afterwards. Adapted:
     * {@code connect(AF_UNSPEC)} (EOPNOTSUPP) has no {@code SocketChannel} equivalent, a channel cannot be
     * disconnected in Java.
     */
    @Test
    void disconnect() throws Exception {
        assumeSupported(TLS_1_3, AES_GCM_128);
        CryptoInfo keys = info(TLS_1_3, AES_GCM_128, 0);
        fd.install(Direction.TX, keys);
        assertThat(send(fd, cstr("test_message"))).isEqualTo(13);
        SocketIo.settle();
        cfd.install(Direction.RX, keys);
        assertThat(recv(cfd, 13)).isEqualTo(cstr("test_message"));
    }

    /**
     * Appendix A: a 32-byte handshake record read with two buffers under TLS_RX_EXPECT_NO_PAD returns 32, fills the
     * first buffer and leaves the second untouched (the retried decrypt must not scribble on later iovecs).
     */
    @Test
    void recvmsg_nopad_retry_iov() throws Exception {
        assumeSupported(TLS_1_3, AES_GCM_128);
        CryptoInfo keys = info(TLS_1_3, AES_GCM_128, 0);
        fd.install(Direction.TX, keys);
        cfd.install(Direction.RX, keys);
        cfd.setRxExpectNoPad(true);
        byte[] payload = new byte[32];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (0x40 + i);
        }
        assertThat(sendCmsg(fd, RecordType.of(0x16), payload)).isEqualTo(32);
        ByteBuffer first = ByteBuffer.wrap(Bytes.filled(32, 0xa5));
        ByteBuffer second = ByteBuffer.wrap(Bytes.filled(64, 0x5a));
        Received r = cfd.receive(new ByteBuffer[] {first, second});
        assertThat(r.bytes()).isEqualTo(32);
        assertThat(r.type()).isEqualTo(RecordType.HANDSHAKE);
        assertThat(first.array()).isEqualTo(payload);
        assertThat(second.position()).isZero();
        assertThat(second.array()).isEqualTo(Bytes.filled(64, 0x5a));
    }

    private CryptoInfo closeLaterInfo(CryptoInfo info) {
        closeLater(info::destroy);
        return info;
    }
}
