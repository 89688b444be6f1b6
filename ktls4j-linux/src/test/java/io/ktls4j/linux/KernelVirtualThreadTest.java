package io.ktls4j.linux;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.MsgFlag;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel backend on virtual threads, as {@code ktls serve} runs it (one virtual thread per connection): blocking
 * reads on idle kTLS sockets must not hold the carriers, so other connections keep moving; {@code sendfile} and
 * {@code MSG_WAITALL} from a virtual thread behave as on a platform thread.
 */
@Tag(LabTags.KERNEL)
@ExtendWith(KernelRequired.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KernelVirtualThreadTest {
    /** More blocked readers than carriers (the scheduler's parallelism is the core count). */
    private static final int IDLE = 4 * Runtime.getRuntime().availableProcessors() + 8;
    private final KernelTestSupport t = new KernelTestSupport();

    @AfterEach
    void close() throws Exception {
        t.close();
    }

    private KernelKtlsSocket[] keyed(int fill) throws IOException {
        SocketChannel[] p = t.pair();
        KernelKtlsSocket a = t.later(new KernelBackend().attach(p[0]));
        KernelKtlsSocket b = t.later(new KernelBackend().attach(p[1]));
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, fill, 0);
        a.install(Direction.TX, keys);
        b.install(Direction.RX, KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, fill, 0));
        return new KernelKtlsSocket[] {a, b};
    }

    @Test
    void readersBlockedOnIdleKernelSocketsLeaveOtherConnectionsMoving() throws Exception {
        ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor();
        List<KernelKtlsSocket[]> idle = new ArrayList<>();
        List<CompletableFuture<Long>> blocked = new ArrayList<>();
        try {
            for (int i = 0; i < IDLE; i++) {
                KernelKtlsSocket[] s = keyed(10 + i);
                idle.add(s);
                blocked.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return (long) s[1].read(ByteBuffer.allocate(100));
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, vts));
            }
            Thread.sleep(500);
            assertThat(blocked).noneMatch(CompletableFuture::isDone);

            // Another connection, read on a virtual thread, moves 256 KiB through the kernel.
            KernelKtlsSocket[] busy = keyed(7);
            byte[] data = KernelTestSupport.random(256 * 1024, 5);
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return KernelTestSupport.readFully(busy[1], data.length);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, vts);
            busy[0].send(ByteBuffer.wrap(data));
            assertThat(read.get(60, TimeUnit.SECONDS)).isEqualTo(data);

            // One idle connection gets a record: exactly its reader returns, with the bytes.
            idle.get(2)[0].send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertThat(blocked.get(2).get(30, TimeUnit.SECONDS)).isEqualTo(3L);
            assertThat(blocked).filteredOn(CompletableFuture::isDone).hasSize(1);

            // Peers closing: every other reader sees its end of stream.
            for (KernelKtlsSocket[] s : idle) {
                s[0].close();
            }
            for (int i = 0; i < IDLE; i++) {
                if (i != 2) {
                    assertThat(blocked.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(-1L);
                }
            }
        } finally {
            for (KernelKtlsSocket[] s : idle) { // first: closing wakes any reader still blocked
                s[0].close();
                s[1].close();
            }
            vts.shutdownNow();
        }
    }

    @Test
    void sendfileAndWaitallFromVirtualThreadsOnBlockingChannels(@TempDir Path dir) throws Exception {
        KernelKtlsSocket[] s = keyed(3);
        byte[] content = KernelTestSupport.random(3 * 1024 * 1024 + 77, 11);
        Path f = dir.resolve("f.bin");
        Files.write(f, content);
        ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor();
        try {
            // The receiver reads with MSG_WAITALL into one buffer: it must come back full, not with what was there.
            CompletableFuture<ByteBuffer> got = CompletableFuture.supplyAsync(() -> {
                try {
                    ByteBuffer b = ByteBuffer.allocate(content.length);
                    long n = s[1].read(new ByteBuffer[] {b}, MsgFlag.WAITALL);
                    assertThat(n).isEqualTo(content.length);
                    return b.flip();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, vts);
            CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
                try (FileChannel fc = FileChannel.open(f, StandardOpenOption.READ)) {
                    return s[0].sendFile(fc, 0, content.length);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, vts);
            assertThat(sent.get(120, TimeUnit.SECONDS)).isEqualTo(content.length);
            assertThat(s[0].channel().isBlocking()).isTrue();
            assertThat(got.get(120, TimeUnit.SECONDS)).isEqualTo(ByteBuffer.wrap(content));
        } finally {
            s[0].close();
            s[1].close();
            vts.shutdownNow();
        }
    }
}
