package io.ktls4j.linux;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.sw.SoftwareBackend;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernel and the software record layer on one wire, for every version × cipher this kernel accepts: the same
 * sends (a record, a MSG_MORE record built from three sends, a control record, a two-record send and a sendfile)
 * give byte-identical ciphertext from both backends with the same keys (captured by a keyless peer), and each
 * backend's records are read back by the other.
 */
@Tag(LabTags.KERNEL)
@ExtendWith(KernelRequired.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KernelWireTest {
    private static final byte[] HELLO = "hello kernel".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] MORE = KernelTestSupport.random(5100, 11);
    // a handshake record that is not a KeyUpdate (24), which would pause a TLS 1.3 reader until the next key
    private static final byte[] HANDSHAKE = {4, 0, 0, 2, 0, 0};
    private static final byte[] TWO_RECORDS = KernelTestSupport.random(20000, 12);
    private static final byte[] FILE = KernelTestSupport.random(40000, 13);

    private final KernelTestSupport t = new KernelTestSupport();
    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        t.close();
    }

    static Stream<Arguments> accepted() {
        List<Arguments> out = new ArrayList<>();
        for (TlsVersion v : TlsVersion.values()) {
            for (CipherType c : CipherType.values()) {
                if (KernelTls.supports(v, c)) {
                    out.add(Arguments.of(v, c));
                }
            }
        }
        return out.stream();
    }

    private FileChannel file() throws Exception {
        Path f = dir.resolve("payload");
        if (!Files.exists(f)) {
            Files.write(f, FILE);
        }
        return t.later(FileChannel.open(f, StandardOpenOption.READ));
    }

    /** The script both backends run; ends with shutdownOutput. */
    private void script(KtlsSocket tx) throws Exception {
        tx.send(ByteBuffer.wrap(HELLO));
        tx.send(ByteBuffer.wrap(MORE, 0, 3000), MsgFlag.MORE);
        tx.send(ByteBuffer.allocateDirect(2000).put(MORE, 3000, 2000).flip(), MsgFlag.MORE);
        tx.send(ByteBuffer.wrap(MORE, 5000, 100));
        tx.sendControl(RecordType.HANDSHAKE, ByteBuffer.wrap(HANDSHAKE));
        tx.send(ByteBuffer.wrap(TWO_RECORDS));
        FileChannel f = file();
        long sent = 0;
        while (sent < FILE.length) {
            sent += tx.sendFile(f, sent, FILE.length - sent);
        }
        tx.shutdownOutput();
    }

    private static byte[] expectedData(boolean afterControl) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (afterControl) {
            b.writeBytes(TWO_RECORDS);
            b.writeBytes(FILE);
        } else {
            b.writeBytes(HELLO);
            b.writeBytes(MORE);
        }
        return b.toByteArray();
    }

    /** Runs the script on a TX socket made by {@code backend} and returns what a keyless peer read. */
    private byte[] ciphertext(io.ktls4j.TlsBackend backend, CryptoInfo keys) throws Exception {
        SocketChannel[] p = t.pair();
        KtlsSocket tx = t.later(backend.attach(p[0]));
        tx.install(Direction.TX, keys);
        CompletableFuture<byte[]> raw = CompletableFuture.supplyAsync(() -> {
            try {
                return KernelTestSupport.readToEof(p[1]);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        script(tx);
        return raw.get(100, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("accepted")
    void kernelAndSoftwareWriteIdenticalRecords(TlsVersion v, CipherType c) throws Exception {
        CryptoInfo keys = KernelTestSupport.keys(v, c, 5, 1000);
        byte[] kernel = ciphertext(new KernelBackend(), keys);
        byte[] software = ciphertext(new SoftwareBackend(), keys);
        int overhead = 5 + CipherType.TAG_SIZE + (v == TlsVersion.TLS_1_3 ? 1 : (c.hasExplicitNonce() ? 8 : 0));
        int records = 1 + 1 + 1 + 2 + 3; // hello, MSG_MORE record, control, 16384 + 3616, 3 file records
        int plaintext = HELLO.length + MORE.length + HANDSHAKE.length + TWO_RECORDS.length + FILE.length;
        assertThat(kernel).as("the kernel's records").hasSize(plaintext + records * overhead);
        assertThat(software).as("the software backend's records, byte for byte").isEqualTo(kernel);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("accepted")
    void kernelTxToSoftwareRx(TlsVersion v, CipherType c) throws Exception {
        crossRead(new KernelBackend(), new SoftwareBackend(), v, c);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("accepted")
    void softwareTxToKernelRx(TlsVersion v, CipherType c) throws Exception {
        crossRead(new SoftwareBackend(), new KernelBackend(), v, c);
    }

    private void crossRead(io.ktls4j.TlsBackend txBackend, io.ktls4j.TlsBackend rxBackend, TlsVersion v, CipherType c)
            throws Exception {
        CryptoInfo keys = KernelTestSupport.keys(v, c, 8, 77);
        SocketChannel[] p = t.pair();
        KtlsSocket tx = t.later(txBackend.attach(p[0]));
        KtlsSocket rx = t.later(rxBackend.attach(p[1]));
        tx.install(Direction.TX, keys);
        rx.install(Direction.RX, keys);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                script(tx);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        ByteArrayOutputStream before = new ByteArrayOutputStream();
        ByteArrayOutputStream after = new ByteArrayOutputStream();
        byte[] control = null;
        ByteBuffer buf = ByteBuffer.allocate(32768);
        while (true) {
            buf.clear();
            Received r = rx.receive(buf);
            if (r.isEndOfStream()) {
                break;
            }
            if (r.isControl()) {
                assertThat(control).as("one control record").isNull();
                assertThat(r.type()).isEqualTo(RecordType.HANDSHAKE);
                control = java.util.Arrays.copyOf(buf.array(), (int) r.bytes());
            } else {
                (control == null ? before : after).write(buf.array(), 0, (int) r.bytes());
            }
        }
        writer.get(100, TimeUnit.SECONDS);
        assertThat(before.toByteArray()).isEqualTo(expectedData(false));
        assertThat(control).isEqualTo(HANDSHAKE);
        assertThat(after.toByteArray()).isEqualTo(expectedData(true));
    }
}
