package io.ktls4j.conformance;

import static io.ktls4j.MsgFlag.DONTWAIT;
import static io.ktls4j.MsgFlag.WAITALL;
import static io.ktls4j.conformance.Bytes.ascii;
import static io.ktls4j.conformance.Bytes.cstr;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.WouldBlockException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** {@code TEST_F(tls, …)}: recvmsg and partial reads, and bidir (docs/KERNEL-TLS-SEMANTICS.md §3.2 items 27–34, 40). */
public abstract class TlsRecvCases extends ConformanceCases {

    @TlsVariants
    void recvmsg_single(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = cstr("test_recvmsg_single");
        assertThat(send(p.fd(), s)).isEqualTo(20);
        ByteBuffer b = ByteBuffer.allocate(20);
        assertThat(p.cfd().read(new ByteBuffer[] {b})).isEqualTo(20);
        assertThat(b.array()).isEqualTo(s);
    }

    @TlsVariants
    void recvmsg_single_max(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = Bytes.random(16384);
        assertThat(send(p.fd(), s)).isEqualTo(16384);
        ByteBuffer b = ByteBuffer.allocate(16384);
        assertThat(p.cfd().read(new ByteBuffer[] {b})).isEqualTo(16384);
        assertThat(b.array()).isEqualTo(s);
    }

    /** One 16384-byte record scattered into 1024 buffers of 16 bytes. */
    @TlsVariants
    void recvmsg_multiple(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = Bytes.random(16384);
        assertThat(send(p.fd(), s)).isEqualTo(16384);
        ByteBuffer[] iov = new ByteBuffer[1024];
        for (int i = 0; i < iov.length; i++) {
            iov[i] = ByteBuffer.allocate(16);
        }
        assertThat(p.cfd().read(iov)).isEqualTo(16384);
        for (int i = 0; i < iov.length; i++) {
            assertThat(iov[i].array()).as("iov %d", i).isEqualTo(Arrays.copyOfRange(s, 16 * i, 16 * i + 16));
        }
    }

    /** One send of 32768 bytes makes two records, read with two recv calls of 16384. */
    @TlsVariants
    void single_send_multiple_recv(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = Bytes.random(32768);
        assertThat(send(p.fd(), s)).isEqualTo(32768);
        assertThat(recv(p.cfd(), 16384)).isEqualTo(Arrays.copyOfRange(s, 0, 16384));
        assertThat(recv(p.cfd(), 16384)).isEqualTo(Arrays.copyOfRange(s, 16384, 32768));
    }

    @TlsVariants
    void multiple_send_single_recv(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = Bytes.random(10);
        assertThat(send(p.fd(), s)).isEqualTo(10);
        assertThat(send(p.fd(), s)).isEqualTo(10);
        assertThat(recv(p.cfd(), 20, WAITALL)).isEqualTo(Bytes.concat(s, s));
    }

    /** A 15-byte record read with two recv calls of 10: 10, then the remaining 5. */
    @TlsVariants
    void single_send_multiple_recv_non_align(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = Bytes.random(15);
        assertThat(send(p.fd(), s)).isEqualTo(15);
        assertThat(recv(p.cfd(), 10)).isEqualTo(Arrays.copyOfRange(s, 0, 10));
        assertThat(recv(p.cfd(), 10)).isEqualTo(Arrays.copyOfRange(s, 10, 15));
    }

    @TlsVariants
    void recv_partial(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_read_partial"))).isEqualTo(18);
        assertThat(recv(p.cfd(), 9, WAITALL)).isEqualTo(ascii("test_read"));
        assertThat(recv(p.cfd(), 8, WAITALL)).isEqualTo(ascii("_partial"));
    }

    @TlsVariants
    void recv_nonblock(Variant v) throws Exception {
        Pair p = tls(v);
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), 4096, DONTWAIT));
    }

    /**
     * {@code SO_RCVLOWAT} 8: after reads of 1 and 6 (WAITALL) a plain recv of 10 waits for the second record and
     * returns 8 (the 3 left of record 1 and record 2's 5). Adapted: record 2 is sent 200 ms after that recv starts
     * (the selftest sends it first, where the kernel would merge a queued record even without the low-water mark).
     * Also: getsockopt reads back 8, and 0 is stored as 1.
     */
    @TlsVariants
    void recv_lowat(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] mem = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertThat(send(p.fd(), mem)).isEqualTo(10);
        p.cfd().setRcvLowat(8);
        assertThat(p.cfd().rcvLowat()).as("getsockopt(SO_RCVLOWAT)").isEqualTo(8);
        assertThat(recv(p.cfd(), 1, WAITALL)).isEqualTo(new byte[] {0});
        assertThat(recv(p.cfd(), 6, WAITALL)).isEqualTo(new byte[] {1, 2, 3, 4, 5, 6});
        java.util.concurrent.Future<Integer> late = background(() -> {
            SocketIo.sleep(java.time.Duration.ofMillis(200));
            return send(p.fd(), mem, 0, 5);
        });
        assertThat(recv(p.cfd(), 10)).isEqualTo(new byte[] {7, 8, 9, 0, 1, 2, 3, 4});
        assertThat(join(late)).isEqualTo(5);
        p.cfd().setRcvLowat(0);
        assertThat(p.cfd().rcvLowat()).as("SO_RCVLOWAT 0 is stored as 1").isEqualTo(1);
    }

    /** Keys in both directions on both ends; 10 bytes each way. */
    @TlsVariants
    void bidir(Variant v) throws Exception {
        Pair p = tls(v);
        CryptoInfo keys = info(v, 0);
        p.fd().install(Direction.RX, keys);
        p.cfd().install(Direction.TX, keys);
        assertThat(send(p.fd(), cstr("test_read"))).isEqualTo(10);
        assertThat(recv(p.cfd(), 10)).isEqualTo(cstr("test_read"));
        assertThat(send(p.cfd(), cstr("test_read"))).isEqualTo(10);
        assertThat(recv(p.fd(), 10)).isEqualTo(cstr("test_read"));
    }
}
