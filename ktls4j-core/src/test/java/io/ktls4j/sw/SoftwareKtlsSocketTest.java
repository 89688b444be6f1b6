package io.ktls4j.sw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.CipherType;
import io.ktls4j.ControlRecordException;
import io.ktls4j.Direction;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The software socket's own plumbing (the kernel semantics are pinned down by the conformance suite). */
class SoftwareKtlsSocketTest {

    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void bulk_round_trip_crosses_record_boundaries_and_blocks_correctly(TlsVersion v) throws Exception {
        try (SoftwarePair p = new SoftwarePair()) {
            p.fd.install(Direction.TX, SoftwarePair.generation(v, CipherType.AES_GCM_128, 0));
            p.cfd.install(Direction.RX, SoftwarePair.generation(v, CipherType.AES_GCM_128, 0));
            byte[] data = new byte[1 << 20];
            new Random(7).nextBytes(data);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    p.fd.send(ByteBuffer.wrap(data));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            ByteBuffer got = ByteBuffer.allocate(data.length);
            while (got.hasRemaining()) {
                assertThat(p.cfd.read(got)).isPositive();
            }
            writer.join();
            assertThat(got.array()).isEqualTo(data);
            assertThat(p.fd.cryptoInfo(Direction.TX).orElseThrow().recSeq()).isEqualTo(64);
            assertThat(p.cfd.cryptoInfo(Direction.RX).orElseThrow().recSeq()).isEqualTo(64);
        }
    }

    @Test
    void blocking_read_merges_records_already_queued() throws Exception {
        try (SoftwarePair p = new SoftwarePair()) {
            p.fd.install(Direction.TX, SoftwarePair.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0));
            p.cfd.install(Direction.RX, SoftwarePair.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0));
            p.fd.send(ByteBuffer.wrap("one,".getBytes(StandardCharsets.US_ASCII)));
            p.fd.send(ByteBuffer.wrap("two".getBytes(StandardCharsets.US_ASCII)));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (p.cfdChannel.socket().getInputStream().available() < 2 * (5 + 4 + 17) - 1
                    && System.nanoTime() < deadline) {
                Thread.sleep(1); // both records in the receive queue before the read
            }
            ByteBuffer buf = ByteBuffer.allocate(64);
            assertThat(p.cfd.read(buf)).isEqualTo(7);
            assertThat(new String(buf.array(), 0, 7, StandardCharsets.US_ASCII)).isEqualTo("one,two");
        }
    }

    @Test
    void blocking_read_returns_its_record_without_waiting_for_more() throws Exception {
        // Once a blocking read has data it takes only what is queued: no wait, no end-of-stream probe. A probe that
        // waits 1 ms per read (as one did) makes these 300 round trips take at least 300 ms.
        try (SoftwarePair p = new SoftwarePair()) {
            for (var s : new io.ktls4j.KtlsSocket[] {p.fd, p.cfd}) {
                s.install(Direction.TX, SoftwarePair.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0));
                s.install(Direction.RX, SoftwarePair.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0));
            }
            int rounds = 300;
            Thread echo = Thread.ofPlatform().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(4096);
                try {
                    for (int i = 0; i < rounds; i++) {
                        b.clear();
                        if (p.cfd.read(b) <= 0) {
                            return;
                        }
                        p.cfd.send(b.flip());
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            ByteBuffer in = ByteBuffer.allocate(4096);
            byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 20; i++) { // warm-up, same exchange
                p.fd.send(ByteBuffer.wrap(ping));
                assertThat(p.fd.read(in.clear())).isEqualTo(4);
            }
            long t0 = System.nanoTime();
            for (int i = 20; i < rounds; i++) {
                p.fd.send(ByteBuffer.wrap(ping));
                assertThat(p.fd.read(in.clear())).isEqualTo(4);
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            echo.join();
            assertThat(millis).as("%d round trips", rounds - 20).isLessThan(250);
        }
    }

    @Test
    void control_record_needs_receive_and_comes_alone() throws Exception {
        try (SoftwarePair p = new SoftwarePair()) {
            p.fd.install(Direction.TX, SoftwarePair.generation(TlsVersion.TLS_1_3, CipherType.CHACHA20_POLY1305, 0));
            p.cfd.install(Direction.RX, SoftwarePair.generation(TlsVersion.TLS_1_3, CipherType.CHACHA20_POLY1305, 0));
            p.fd.send(ByteBuffer.wrap("data".getBytes(StandardCharsets.US_ASCII)), MsgFlag.MORE);
            p.fd.sendControl(RecordType.ALERT, ByteBuffer.wrap(new byte[] {1, 0}));
            ByteBuffer buf = ByteBuffer.allocate(64);
            assertThat(p.cfd.read(buf, MsgFlag.WAITALL)).isEqualTo(4);
            assertThatThrownBy(() -> p.cfd.read(ByteBuffer.allocate(64)))
                    .isInstanceOf(ControlRecordException.class)
                    .satisfies(e -> assertThat(((ControlRecordException) e).recordType()).isEqualTo(RecordType.ALERT));
            Received r = p.cfd.receive(buf.clear());
            assertThat(r).isEqualTo(new Received(2, RecordType.ALERT));
            assertThatThrownBy(() -> p.cfd.read(ByteBuffer.allocate(8), MsgFlag.DONTWAIT)).isInstanceOf(WouldBlockException.class);
        }
    }

    @Test
    void statistics_count_sessions_with_kernel_names() throws Exception {
        long before = SoftwareTlsStats.snapshot().get(TlsStat.TlsTxSw);
        long currBefore = SoftwareTlsStats.snapshot().get(TlsStat.TlsCurrTxSw);
        try (SoftwarePair p = new SoftwarePair()) {
            p.fd.install(Direction.TX, SoftwarePair.generation(TlsVersion.TLS_1_2, CipherType.AES_GCM_256, 0));
            assertThat(SoftwareTlsStats.snapshot().get(TlsStat.TlsTxSw)).isEqualTo(before + 1);
            assertThat(SoftwareTlsStats.snapshot().get(TlsStat.TlsCurrTxSw)).isEqualTo(currBefore + 1);
            Object viaJmx = java.lang.management.ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(io.ktls4j.TlsStatisticsMBean.objectName("software"), "TlsTxSw");
            assertThat(viaJmx).isEqualTo(before + 1);
        }
        assertThat(SoftwareTlsStats.snapshot().get(TlsStat.TlsCurrTxSw)).isEqualTo(currBefore);
    }

    /**
     * A reset stream: readable() says a read would return at once (it does not throw), and the read then reports
     * the reset, with and without an RX key (issue 15: readable() threw "Connection reset").
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void readable_on_a_reset_stream_is_true_and_the_read_reports_the_reset(boolean rxKey) throws Exception {
        try (SoftwarePair p = new SoftwarePair()) {
            if (rxKey) {
                p.cfd.install(Direction.RX, SoftwarePair.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0));
            }
            p.fdChannel.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
            p.fdChannel.close(); // RST
            long deadline = System.nanoTime() + 10_000_000_000L;
            boolean readable = false;
            while (!readable && System.nanoTime() < deadline) {
                readable = p.cfd.readable(); // must not throw
                if (!readable) {
                    Thread.sleep(5);
                }
            }
            assertThat(readable).isTrue();
            assertThatThrownBy(() -> p.cfd.read(ByteBuffer.allocate(16))).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("reset");
        }
    }

    /**
     * An idle socket holds no record buffer (issue 15: an idle connection cost ~180 KB of them): after records both
     * ways, an open MSG_MORE record, a partial record received and a sendfile, each buffer is given back once what
     * it held is drained.
     */
    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void an_idle_socket_holds_no_record_buffer(TlsVersion v) throws Exception {
        try (SoftwarePair p = new SoftwarePair()) {
            SoftwareKtlsSocket fd = (SoftwareKtlsSocket) p.fd;
            SoftwareKtlsSocket cfd = (SoftwareKtlsSocket) p.cfd;
            assertThat(fd.buffersHeld() + cfd.buffersHeld()).as("before keys").isZero();
            fd.install(Direction.TX, SoftwarePair.generation(v, CipherType.AES_GCM_128, 0));
            cfd.install(Direction.RX, SoftwarePair.generation(v, CipherType.AES_GCM_128, 0));
            assertThat(fd.buffersHeld() + cfd.buffersHeld()).as("after install").isZero();
            fd.send(ByteBuffer.wrap(new byte[100]), MsgFlag.MORE);
            assertThat(fd.buffersHeld()).as("an open record").isEqualTo(1);
            fd.send(ByteBuffer.wrap(new byte[70_000]));
            assertThat(fd.buffersHeld()).as("everything sent").isZero();
            ByteBuffer got = ByteBuffer.allocate(70_100);
            while (got.hasRemaining()) {
                cfd.read(got);
            }
            assertThat(cfd.buffersHeld()).as("everything received").isZero();
            java.nio.file.Path f = java.nio.file.Files.createTempFile("ktls4j-idle", ".bin");
            try (var file = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE)) {
                file.write(ByteBuffer.wrap(new byte[50_000]));
                assertThat(fd.sendFile(file, 0, 50_000)).isEqualTo(50_000);
            } finally {
                java.nio.file.Files.delete(f);
            }
            assertThat(fd.buffersHeld()).as("after sendfile").isZero();
            got = ByteBuffer.allocate(50_000);
            while (got.hasRemaining()) {
                cfd.read(got);
            }
            assertThat(cfd.buffersHeld()).as("after receiving the file").isZero();
            p.fdChannel.write(ByteBuffer.wrap(new byte[] {23, 3, 3, 0, 40, 1, 2})); // part of a record, raw
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (cfd.buffersHeld() == 0 && System.nanoTime() < deadline) {
                assertThat(cfd.readable()).as("a partial record is not readable").isFalse(); // reads it in
                Thread.sleep(1);
            }
            assertThat(cfd.buffersHeld()).as("a partial record waits in a buffer").isEqualTo(1);
        }
    }
}
