package io.ktls4j.linux;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.TlsVersion;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sendfile(2)} of several megabytes through kernel TX to kernel RX, arriving intact, with
 * {@code /proc/net/tls_stat} moving as the sessions open and close.
 */
@Tag(LabTags.KERNEL)
@ExtendWith(KernelRequired.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KernelSendFileTest {
    private static final int SIZE = 6 * 1024 * 1024 + 12345;
    private final KernelTestSupport t = new KernelTestSupport();

    @AfterEach
    void close() throws Exception {
        t.close();
    }

    @Test
    void multiMegabyteSendfileArrivesIntactAndTlsStatMoves(@TempDir Path dir) throws Exception {
        byte[] content = KernelTestSupport.random(SIZE, 99);
        Path f = dir.resolve("big.bin");
        Files.write(f, content);
        TlsStatistics before = KernelTls.statistics();

        SocketChannel[] p = t.pair();
        KernelKtlsSocket tx = t.later(new KernelBackend().attach(p[0]));
        KernelKtlsSocket rx = t.later(new KernelBackend().attach(p[1]));
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.AES_GCM_256, 1, 0);
        tx.install(Direction.TX, keys);
        rx.install(Direction.RX, keys);
        TlsStatistics open = KernelTls.statistics();
        assertThat(open.get(TlsStat.TlsTxSw)).isEqualTo(before.get(TlsStat.TlsTxSw) + 1);
        assertThat(open.get(TlsStat.TlsRxSw)).isEqualTo(before.get(TlsStat.TlsRxSw) + 1);
        assertThat(open.get(TlsStat.TlsCurrTxSw)).isGreaterThanOrEqualTo(1);
        assertThat(open.get(TlsStat.TlsCurrRxSw)).isGreaterThanOrEqualTo(1);

        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
            try {
                return KernelTestSupport.readFully(rx, SIZE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long sent;
        try (FileChannel fc = FileChannel.open(f, StandardOpenOption.READ)) {
            sent = tx.sendFile(fc, 0, SIZE);
        }
        assertThat(sent).isEqualTo(SIZE);
        byte[] got = received.get(250, TimeUnit.SECONDS);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        assertThat(sha.digest(got)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(content));
        assertThat(tx.cryptoInfo(Direction.TX).orElseThrow().recSeq()).as("full-size records")
                .isEqualTo((SIZE + 16383) / 16384);

        long currTx = KernelTls.statistics().get(TlsStat.TlsCurrTxSw);
        tx.close();
        rx.close();
        assertThat(KernelTls.statistics().get(TlsStat.TlsCurrTxSw)).isEqualTo(currTx - 1);
    }
}
