package io.ktls4j.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.sw.SoftwareBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes what an established connection does with the peer's records after the handshake (close_notify, alerts,
 * NewSessionTicket, KeyUpdate, renegotiation attempts, unknown types, messages split across records): the peer's
 * side is a raw record layer sending fuzz-chosen records of any type, interleaved with application data; this side
 * is a client {@link KtlsConnection} reading. On every input: only the documented exceptions
 * ({@link TlsAlertException}, {@link TlsTruncationException}, {@link KtlsException}s of the record layer, and
 * {@link IllegalStateException} nowhere), and the application data that came before the first bad message is
 * delivered whole and in order.
 */
class PostHandshakeFuzzTest {

    /** Duties that count and install a fixed next key: the fuzzer's KeyUpdates need no real key schedule. */
    private static final class CountingDuties implements PostHandshakeDuties {
        @Override
        public void updateTxKey(KtlsSocket socket, boolean requestPeerUpdate) throws IOException {
            socket.sendControl(RecordType.HANDSHAKE, ByteBuffer.wrap(Handshakes.keyUpdateMessage(requestPeerUpdate)));
            socket.install(Direction.TX, key((byte) 9));
        }

        @Override
        public boolean peerKeyUpdate(KtlsSocket socket, byte[] message, boolean mayAnswer) throws IOException {
            Handshakes.updateRequested(message);
            socket.install(Direction.RX, key((byte) 9));
            return false;
        }

        @Override
        public void sessionTicket(byte[] message) {
        }

        @Override
        public void release() {
        }
    }

    private static CryptoInfo key(byte fill) throws KtlsException {
        byte[] k = new byte[16];
        Arrays.fill(k, fill);
        return CryptoInfo.of(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, k, new byte[8], new byte[4], new byte[8]);
    }

    @FuzzTest(maxDuration = "30s")
    void peerRecords(FuzzedDataProvider in) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel a = SocketChannel.open(listener.getLocalAddress());
             SocketChannel b = listener.accept()) {
            KtlsSocket peer = new SoftwareBackend().attach(a);
            KtlsSocket mine = new SoftwareBackend().attach(b);
            CryptoInfo k = key((byte) 1);
            peer.install(Direction.TX, k);
            mine.install(Direction.RX, k);
            mine.install(Direction.TX, k);
            k.destroy();
            SessionInfo session = new SessionInfo(TlsVersion.TLS_1_3, TlsCipherSuite.TLS_AES_128_GCM_SHA256, null,
                    null, List.of(), List.of(), null);
            KtlsConnection c = Handshakes.adopt(mine, session, Role.CLIENT, new CountingDuties());
            ByteArrayOutputStream sentData = new ByteArrayOutputStream();
            boolean controlSent = false;
            int records = in.consumeInt(1, 8);
            for (int i = 0; i < records; i++) {
                int kind = in.consumeInt(0, 9);
                byte[] body = in.consumeBytes(in.consumeInt(0, 300));
                RecordType type = switch (kind) {
                    case 0, 1 -> RecordType.ALERT;
                    case 2, 3, 4 -> RecordType.HANDSHAKE;
                    case 5 -> RecordType.of(20 + in.consumeInt(0, 235));
                    default -> RecordType.APPLICATION_DATA;
                };
                if (type == RecordType.APPLICATION_DATA) {
                    peer.send(ByteBuffer.wrap(body));
                    if (!controlSent) {
                        sentData.write(body, 0, body.length); // data after a control record may not be delivered
                    }
                } else {
                    peer.sendControl(type, ByteBuffer.wrap(body));
                    controlSent = true;
                }
            }
            peer.shutdownOutput();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            try {
                while (true) {
                    int n = c.read(buf.clear());
                    if (n < 0) {
                        break;
                    }
                    got.write(buf.array(), 0, n);
                }
            } catch (TlsAlertException | TlsTruncationException e) {
                // the peer's alert, or this end's answer to a bad message, or the end without close_notify
            } catch (KtlsException e) {
                assertThat(e.errno().name()).as(e.toString()).isIn("EBADMSG", "EKEYEXPIRED", "EMSGSIZE", "EPROTO");
            } finally {
                c.close();
                peer.close();
            }
            byte[] want = sentData.toByteArray();
            assertThat(got.size()).as("data before the first control record").isGreaterThanOrEqualTo(want.length);
            assertThat(Arrays.copyOf(got.toByteArray(), want.length)).isEqualTo(want);
        }
    }
}
