package io.ktls4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.RecordCipher;
import io.ktls4j.sw.SoftwareBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the software record layer's receive path (the strparser and {@code tls_sw_recvmsg} equivalents) with whole
 * TCP streams: valid records of every version and cipher, sealed with the receiver's key, then mutated (bytes
 * flipped, the stream cut, garbage appended). The contract checked on every input:
 * <ul>
 * <li>only the documented {@link KtlsException}s come out (EBADMSG, EMSGSIZE, EIO for a control record read
 *     without a control buffer, EPROTO for a stream that ends inside a record, EKEYEXPIRED after a KeyUpdate) —
 *     never a runtime exception;</li>
 * <li>nothing is lost: every record that lies wholly before the first damaged byte is delivered, in order, with its
 *     type and bytes;</li>
 * <li>no hang (the stream is finite and ends with a FIN) and bounded memory (a read never needs more than one
 *     record's worth of buffer).</li>
 * </ul>
 * In a normal build this replays the seed corpus (src/test/resources/io/ktls4j/fuzz/RecordStreamFuzzTestInputs);
 * {@code JAZZER_FUZZ=1} fuzzes (bin/fuzz, docs/RELIABILITY.md).
 */
class RecordStreamFuzzTest {
    private static final CipherType[] CIPHERS = {CipherType.AES_GCM_128, CipherType.AES_GCM_256,
        CipherType.CHACHA20_POLY1305, CipherType.AES_CCM_128};

    private static final byte KEY_UPDATE = 24;

    private record Sent(RecordType type, byte[] data, int end) {
    }

    @FuzzTest(maxDuration = "30s")
    void recordStream(FuzzedDataProvider in) throws Exception {
        TlsVersion version = in.consumeBoolean() ? TlsVersion.TLS_1_3 : TlsVersion.TLS_1_2;
        CipherType cipher = CIPHERS[in.consumeInt(0, CIPHERS.length - 1)];
        byte[] key = new byte[cipher.keySize()];
        Arrays.fill(key, (byte) 7);
        CryptoInfo info = CryptoInfo.of(version, cipher, key, new byte[cipher.ivSize()], new byte[cipher.saltSize()],
                new byte[8]);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        List<Sent> sent = new ArrayList<>();
        RecordCipher tx = RecordCipher.forTx(info);
        try {
            int records = in.consumeInt(0, 6);
            for (int i = 0; i < records; i++) {
                RecordType type = pickType(in.consumeInt(0, 9), version);
                byte[] plain = in.consumeBytes(in.consumeInt(0, 2048));
                ByteBuffer out = ByteBuffer.allocate(plain.length + 256);
                tx.seal(type, ByteBuffer.wrap(plain), out);
                wire.write(out.array(), 0, out.position());
                sent.add(new Sent(type, plain, wire.size()));
            }
        } finally {
            tx.destroy();
        }
        byte[] stream = wire.toByteArray();
        int firstDamage = stream.length;
        int flips = in.consumeInt(0, 3);
        for (int i = 0; i < flips && stream.length > 0; i++) {
            int at = in.consumeInt(0, stream.length - 1);
            byte mask = in.consumeByte();
            if (mask != 0) {
                stream[at] ^= mask;
                firstDamage = Math.min(firstDamage, at);
            }
        }
        if (in.consumeBoolean() && stream.length > 0) {
            int cut = in.consumeInt(0, stream.length);
            stream = Arrays.copyOf(stream, cut);
            firstDamage = Math.min(firstDamage, cut);
        }
        byte[] garbage = in.consumeRemainingAsBytes();
        byte[] whole = Arrays.copyOf(stream, stream.length + garbage.length);
        System.arraycopy(garbage, 0, whole, stream.length, garbage.length);
        List<Sent> intact = new ArrayList<>();
        for (Sent s : sent) {
            if (s.end() > firstDamage) {
                break;
            }
            intact.add(s);
            if (version == TlsVersion.TLS_1_3 && s.type() == RecordType.HANDSHAKE && s.data().length > 0
                    && s.data()[0] == KEY_UPDATE) {
                break; // decryption pauses for the next RX key (EKEYEXPIRED): nothing after it is delivered
            }
        }
        try {
            receiveAndCheck(info, whole, intact, version);
        } finally {
            info.destroy();
        }
    }

    private static RecordType pickType(int n, TlsVersion version) {
        return switch (n) {
            case 0 -> RecordType.ALERT;
            case 1 -> RecordType.HANDSHAKE;
            case 2 -> RecordType.of(100);
            default -> RecordType.APPLICATION_DATA;
        };
    }

    private static void receiveAndCheck(CryptoInfo info, byte[] wire, List<Sent> intact, TlsVersion version)
            throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel writer = SocketChannel.open(listener.getLocalAddress());
             SocketChannel readerChannel = listener.accept()) {
            KtlsSocket rx = new SoftwareBackend().attach(readerChannel);
            try {
                rx.install(Direction.RX, info);
                Thread.ofVirtual().start(() -> {
                    try {
                        writer.write(ByteBuffer.wrap(wire));
                        writer.shutdownOutput();
                    } catch (IOException ignored) {
                        // the reader may close first after an error
                    }
                });
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                List<RecordType> types = new ArrayList<>();
                ByteBuffer buf = ByteBuffer.allocate(1 << 15);
                while (true) {
                    Received r;
                    try {
                        r = rx.receive(buf.clear(), MsgFlag.WAITALL);
                    } catch (KtlsException e) {
                        assertThat(e.errno().name()).as(e.toString()).isIn("EBADMSG", "EMSGSIZE", "EPROTO",
                                "EKEYEXPIRED", "EINVAL", "EIO");
                        break;
                    }
                    if (r.isEndOfStream()) {
                        break;
                    }
                    if (r.bytes() > 0 || r.type() != RecordType.APPLICATION_DATA) {
                        types.add(r.type()); // empty data records before a control record read as 0 (zero_len)
                    }
                    got.write(buf.array(), 0, (int) r.bytes());
                }
                checkNothingLost(intact, types, got.toByteArray());
            } finally {
                rx.close();
            }
        }
    }

    /**
     * The intact records' bytes are a prefix of what was delivered, and their types (consecutive data records
     * merge, empty data records deliver nothing) a prefix of the delivered types.
     */
    private static void checkNothingLost(List<Sent> intact, List<RecordType> types, byte[] delivered) {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<RecordType> expectedTypes = new ArrayList<>();
        for (Sent s : intact) {
            expected.write(s.data(), 0, s.data().length);
            boolean data = s.type() == RecordType.APPLICATION_DATA;
            if (data && s.data().length == 0) {
                continue;
            }
            if (!data || expectedTypes.isEmpty() || expectedTypes.get(expectedTypes.size() - 1) != s.type()) {
                expectedTypes.add(s.type());
            }
        }
        byte[] want = expected.toByteArray();
        assertThat(delivered.length).as("bytes delivered before the first damaged record")
                .isGreaterThanOrEqualTo(want.length);
        assertThat(Arrays.copyOf(delivered, want.length)).isEqualTo(want);
        List<RecordType> collapsed = new ArrayList<>();
        for (RecordType t : types) {
            if (t != RecordType.APPLICATION_DATA || collapsed.isEmpty() || collapsed.get(collapsed.size() - 1) != t) {
                collapsed.add(t);
            }
        }
        assertThat(collapsed.size()).as("record types delivered: %s, expected first: %s", collapsed, expectedTypes)
                .isGreaterThanOrEqualTo(expectedTypes.size());
        assertThat(collapsed.subList(0, expectedTypes.size())).isEqualTo(expectedTypes);
    }
}
