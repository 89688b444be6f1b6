package io.ktls4j.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.Errno;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** sendmsg/recvmsg through the msghdr and iovec layouts, on plain loopback TCP (no TLS needed). */
class MsgIoTest {

    private static ByteBuffer direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    @Test
    void gathersHeapAndDirectBuffersAndScattersIntoBoth() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            ByteBuffer a = ByteBuffer.wrap("hello ".getBytes(StandardCharsets.US_ASCII));
            ByteBuffer b = direct("kernel ");
            ByteBuffer c = ByteBuffer.wrap("xxTLSxx".getBytes(StandardCharsets.US_ASCII), 2, 3);
            long sent = MsgIo.send(p.clientFd, new ByteBuffer[] {a, b, c}, 0, -1, Long.MAX_VALUE);
            assertThat(sent).isEqualTo(16);
            assertThat(a.hasRemaining() || b.hasRemaining() || c.hasRemaining()).isFalse();

            ByteBuffer d1 = ByteBuffer.allocateDirect(5);
            ByteBuffer h2 = ByteBuffer.allocate(32);
            long got = 0;
            while (got < 16) {
                MsgIo.Received r = MsgIo.receive(p.serverFd, new ByteBuffer[] {d1, h2}, 0, true, Long.MAX_VALUE);
                assertThat(r.result()).isPositive();
                assertThat(r.recordType()).isEqualTo(-1); // plain TCP: no TLS_GET_RECORD_TYPE cmsg
                got += r.result();
            }
            d1.flip();
            h2.flip();
            byte[] out = new byte[16];
            d1.get(out, 0, 5);
            h2.get(out, 5, 11);
            assertThat(new String(out, StandardCharsets.US_ASCII)).isEqualTo("hello kernel TLS");
        }
    }

    @Test
    void theLimitCapsOneCallAndPeekLeavesTheData() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            assertThat(MsgIo.send(p.clientFd, new ByteBuffer[] {direct("abcdef")}, 0, -1, 4)).isEqualTo(4);
            ByteBuffer peek = ByteBuffer.allocate(8);
            long n;
            do {
                peek.clear();
                n = MsgIo.receive(p.serverFd, new ByteBuffer[] {peek}, Native.MSG_PEEK, false, 8).result();
            } while (n < 4);
            ByteBuffer real = ByteBuffer.allocate(8);
            assertThat(MsgIo.receive(p.serverFd, new ByteBuffer[] {real}, 0, false, 8).result()).isEqualTo(4);
            assertThat(new String(real.array(), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("abcd");
        }
    }

    @Test
    void anEmptyNonBlockingReadIsMinusEagain() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            long r = MsgIo.receive(p.serverFd, new ByteBuffer[] {ByteBuffer.allocate(4)}, Native.MSG_DONTWAIT, false, 4)
                    .result();
            assertThat(r).isEqualTo(-Errno.EAGAIN.code());
            assertThat(Readiness.now(p.serverFd, Native.POLLIN)).isZero();
            MsgIo.send(p.clientFd, new ByteBuffer[] {direct("x")}, 0, -1, 1);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (Readiness.now(p.serverFd, Native.POLLIN) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(Readiness.now(p.serverFd, Native.POLLIN) & Native.POLLIN).isEqualTo(Native.POLLIN);
        }
    }

    @Test
    void aClosedPeerIsEndOfStream() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            p.client.close();
            assertThat(MsgIo.receive(p.serverFd, new ByteBuffer[] {ByteBuffer.allocate(4)}, 0, false, 4).result()).isZero();
        }
    }
}
