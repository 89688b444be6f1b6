package io.ktls4j.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The inet_diag request bytes and the parsing of a reply carrying INET_DIAG_ULP_INFO. */
class SockDiagTest {

    @Test
    void theRequestIsAnExactMatchOnTheFourTuple() throws Exception {
        SocketFd.Endpoint local = new SocketFd.Endpoint(Native.AF_INET6,
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0x1234));
        SocketFd.Endpoint peer = new SocketFd.Endpoint(Native.AF_INET6,
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0x5678));
        ByteBuffer b = ByteBuffer.wrap(SockDiag.request(local, peer)).order(ByteOrder.nativeOrder());
        assertThat(b.capacity()).isEqualTo(72);
        assertThat(b.getInt(0)).isEqualTo(72);
        assertThat(b.getShort(4)).isEqualTo((short) 20); // SOCK_DIAG_BY_FAMILY
        assertThat(b.getShort(6)).isEqualTo((short) 1); // NLM_F_REQUEST, no dump
        assertThat(b.get(16)).isEqualTo((byte) Native.AF_INET6);
        assertThat(b.get(17)).isEqualTo((byte) 6);
        assertThat(b.get(18)).isEqualTo((byte) 2); // 1 << (INET_DIAG_INFO - 1)
        assertThat(b.order(ByteOrder.BIG_ENDIAN).getShort(24)).isEqualTo((short) 0x1234);
        assertThat(b.getShort(26)).isEqualTo((short) 0x5678);
        assertThat(b.get(28 + 10)).isEqualTo((byte) 0xff); // ::ffff:127.0.0.1
        assertThat(b.get(28 + 12)).isEqualTo((byte) 127);
        assertThat(b.order(ByteOrder.nativeOrder()).getInt(64)).isEqualTo(-1); // INET_DIAG_NOCOOKIE
    }

    private static void attr(ByteBuffer b, int type, int len) {
        b.putShort((short) len).putShort((short) type);
    }

    @Test
    void parsesTxAndRxConfFromTheNestedUlpInfo() {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        int total = 16 + 72 + 4 + 8 + 4 + 8 + 8;
        b.putInt(total).putShort((short) 20).putShort((short) 0).putInt(1).putInt(0);
        b.position(16 + 72);
        attr(b, 19 | 0x8000, 4 + 8 + 4 + 8 + 8); // INET_DIAG_ULP_INFO, nested
        attr(b, 1, 8); // INET_ULP_INFO_NAME "tls\0"
        b.put(new byte[] {'t', 'l', 's', 0});
        attr(b, 2 | 0x8000, 4 + 8 + 8); // INET_ULP_INFO_TLS
        attr(b, 3, 6); // TLS_INFO_TXCONF = TLS_CONF_SW
        b.putShort((short) 2).putShort((short) 0);
        attr(b, 4, 6); // TLS_INFO_RXCONF = TLS_CONF_BASE
        b.putShort((short) 1).putShort((short) 0);
        b.flip();
        SockDiag.TlsConf c = SockDiag.parse(b);
        assertThat(c.known()).isTrue();
        assertThat(c.kind(Direction.TX)).isEqualTo(BackendKind.KERNEL_SW);
        assertThat(c.kind(Direction.RX)).isEqualTo(BackendKind.NONE);
    }

    @Test
    void aReplyWithoutUlpInfoIsUnknownWithTheReason() {
        ByteBuffer b = ByteBuffer.allocate(88).order(ByteOrder.nativeOrder());
        b.putInt(88).putShort((short) 20).putShort((short) 0).putInt(1).putInt(0);
        b.position(88).flip();
        SockDiag.TlsConf c = SockDiag.parse(b);
        assertThat(c.known()).isFalse();
        assertThat(c.why()).contains("CAP_NET_ADMIN");
    }

    @Test
    void anErrorReplyNamesTheErrno() {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        b.putInt(36).putShort((short) 2).putShort((short) 0).putInt(1).putInt(0).putInt(-2);
        b.position(36).flip();
        assertThat(SockDiag.parse(b).why()).contains("ENOENT");
    }

    @Test
    void aPlainTcpSocketHasNoTlsInfo() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            assertThat(SockDiag.query(p.clientFd).known()).isFalse();
        }
    }
}
