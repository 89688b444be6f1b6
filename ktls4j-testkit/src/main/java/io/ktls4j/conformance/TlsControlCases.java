package io.ktls4j.conformance;

import static io.ktls4j.MsgFlag.MORE;
import static io.ktls4j.MsgFlag.PEEK;
import static io.ktls4j.MsgFlag.WAITALL;
import static io.ktls4j.conformance.Bytes.cstr;
import static io.ktls4j.conformance.SocketIo.TYPE_100;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.recvCmsg;
import static io.ktls4j.conformance.SocketIo.send;
import static io.ktls4j.conformance.SocketIo.sendCmsg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.ControlRecordException;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import java.net.InetSocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.util.Arrays;

/** {@code TEST_F(tls, …)}: control records, shutdown, getsockopt (docs/KERNEL-TLS-SEMANTICS.md §3.2 items 52–58). */
public abstract class TlsControlCases extends ConformanceCases {

    private static void assertCmsg(SocketIo.Cmsg c, byte[] expect) {
        assertThat(c.count()).isEqualTo(expect.length);
        assertThat(c.type()).isEqualTo(TYPE_100);
        assertThat(c.data()).isEqualTo(expect);
    }

    /** A control record fails a plain recv (EIO), is peeked with a control buffer, then read. */
    @TlsVariants
    void control_msg(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(sendCmsg(p.fd(), TYPE_100, cstr("test_read"))).isEqualTo(10);
        ControlRecordException e = Expect.errno(ControlRecordException.class, Errno.EIO, () -> recv(p.cfd(), 10));
        if (e.recordType() != null) {
            assertThat(e.recordType()).isEqualTo(TYPE_100);
        }
        assertCmsg(recvCmsg(p.cfd(), 10, WAITALL, PEEK), cstr("test_read"));
        assertCmsg(recvCmsg(p.cfd(), 10, WAITALL), cstr("test_read"));
    }

    /** Two control records are never merged: each peek and each read returns 5. */
    @TlsVariants
    void control_msg_nomerge(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] rec1 = cstr("1111");
        byte[] rec2 = cstr("2222");
        assertThat(sendCmsg(p.fd(), TYPE_100, rec1)).isEqualTo(5);
        assertThat(sendCmsg(p.fd(), TYPE_100, rec2)).isEqualTo(5);
        assertCmsg(recvCmsg(p.cfd(), 15, PEEK), rec1);
        assertCmsg(recvCmsg(p.cfd(), 15, PEEK), rec1);
        assertCmsg(recvCmsg(p.cfd(), 15), rec1);
        assertCmsg(recvCmsg(p.cfd(), 15), rec2);
    }

    /**
     * Data, control, data: a plain peek of 15 returns 5 twice (it stops at the control record). Continued here with
     * what the same socket then answers: the data, EIO, the control record, the last data record.
     */
    @TlsVariants
    void data_control_data(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] rec1 = cstr("1111");
        byte[] rec2 = cstr("2222");
        byte[] rec3 = cstr("3333");
        assertThat(send(p.fd(), rec1)).isEqualTo(5);
        assertThat(sendCmsg(p.fd(), TYPE_100, rec2)).isEqualTo(5);
        assertThat(send(p.fd(), rec3)).isEqualTo(5);
        SocketIo.settle();
        assertThat(recv(p.cfd(), 15, PEEK)).isEqualTo(rec1);
        assertThat(recv(p.cfd(), 15, PEEK)).isEqualTo(rec1);
        assertThat(recv(p.cfd(), 15)).isEqualTo(rec1);
        Expect.errno(ControlRecordException.class, Errno.EIO, () -> recv(p.cfd(), 15));
        assertCmsg(recvCmsg(p.cfd(), 15), rec2);
        assertThat(recv(p.cfd(), 15)).isEqualTo(rec3);
    }

    /**
     * Send/recv 10 bytes, then shut both ends down. Adapted: the contract has {@code shutdown(SHUT_WR)} only; each
     * end then sees end of stream from the other (through the TLS RX path on cfd, passthrough on fd).
     */
    @TlsVariants
    void shutdown(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_read"))).isEqualTo(10);
        assertThat(recv(p.cfd(), 10)).isEqualTo(cstr("test_read"));
        p.fd().shutdownOutput();
        p.cfd().shutdownOutput();
        assertThat(recv(p.cfd(), 10)).as("cfd at EOF").isNull();
        assertThat(recv(p.fd(), 10)).as("fd at EOF").isNull();
    }

    /** Shutdown with a MSG_MORE record open: the record is discarded, the peer sees end of stream. */
    @TlsVariants
    void shutdown_unsent(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_read"), MORE)).isEqualTo(10);
        p.fd().shutdownOutput();
        p.cfd().shutdownOutput();
        assertThat(recv(p.cfd(), 10)).as("the open record is not sent").isNull();
    }

    /**
     * After shutdown and closing cfd, {@code connect} on fd fails with EISCONN. Adapted: Java reports EISCONN as
     * {@link AlreadyConnectedException}; {@code bind}/{@code listen} on a connected {@code SocketChannel} cannot be
     * expressed (a {@code SocketChannel} never becomes a listener).
     */
    @TlsVariants
    void shutdown_reuse(Variant v) throws Exception {
        Pair p = tls(v);
        p.fd().shutdownOutput();
        p.cfd().shutdownOutput();
        p.cfd().close();
        assertThatThrownBy(() -> p.fd().channel().connect(new InetSocketAddress("127.0.0.1", 1)))
                .isInstanceOf(AlreadyConnectedException.class);
        assertThat(p.fd().channel().isConnected()).isTrue();
    }

    /**
     * {@code getsockopt(TLS_TX)}: the 4-byte header, then the whole struct equal to the generation-0 crypto_info
     * (key, iv, salt, rec_seq 0). A short length (3, or the struct size − 1) is EINVAL; here that is
     * {@link CryptoInfo#fromBytes} on the truncated struct.
     */
    @TlsVariants
    void getsockopt(Variant v) throws Exception {
        Pair p = tls(v);
        CryptoInfo expect = info(v, 0);
        CryptoInfo got = p.fd().cryptoInfo(Direction.TX).orElseThrow();
        closeLater(got::destroy);
        assertThat(got.headerBytes()).hasSize(4).isEqualTo(expect.headerBytes());
        assertThat(got.version()).isEqualTo(v.version());
        assertThat(got.cipher()).isEqualTo(v.cipher());
        byte[] full = zeroLater(got.toBytes());
        assertThat(full).hasSize(v.cipher().structSize()).isEqualTo(zeroLater(expect.toBytes()));
        assertThat(got.sameAs(expect)).isTrue();
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> CryptoInfo.fromBytes(Arrays.copyOf(full, 3)));
        Expect.errno(KtlsException.class, Errno.EINVAL,
                () -> CryptoInfo.fromBytes(zeroLater(Arrays.copyOf(full, full.length - 1))));
        assertNoKey(p.fd(), Direction.RX);
    }
}
