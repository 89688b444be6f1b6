package io.ktls4j.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.KtlsSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

/**
 * {@code TEST_F(tls, mutliproc_*)} (the selftest's spelling), docs/KERNEL-TLS-SEMANTICS.md §3.2 items 46–51. Adapted:
 * the forked readers and writers are threads sharing the two sockets (the contract serialises concurrent readers
 * and writers, as the kernel's socket lock does), and the data volume is {@value #DEFAULT_DATA} bytes per unit
 * instead of 6,000,000 (system property {@code ktls4j.conformance.multiprocBytes}) so 13 variants fit in a build.
 */
public abstract class TlsMultiprocCases extends ConformanceCases {
    static final int DEFAULT_DATA = 600_000;
    static final int FILE_SZ = 60_000;

    @TlsVariants
    void mutliproc_even(Variant v) throws Exception {
        mutliproc(v, false, 6, 6);
    }

    @TlsVariants
    void mutliproc_readers(Variant v) throws Exception {
        mutliproc(v, false, 4, 12);
    }

    @TlsVariants
    void mutliproc_writers(Variant v) throws Exception {
        mutliproc(v, false, 10, 2);
    }

    @TlsVariants
    void mutliproc_sendpage_even(Variant v) throws Exception {
        mutliproc(v, true, 6, 6);
    }

    @TlsVariants
    void mutliproc_sendpage_readers(Variant v) throws Exception {
        mutliproc(v, true, 4, 12);
    }

    @TlsVariants
    void mutliproc_sendpage_writers(Variant v) throws Exception {
        mutliproc(v, true, 10, 2);
    }

    /** {@code test_mutliproc(sendpg, n_readers, n_writers)}. */
    private void mutliproc(Variant v, boolean sendpg, int nReaders, int nWriters) throws Exception {
        Pair p = tls(v);
        long data = Long.getLong("ktls4j.conformance.multiprocBytes", DEFAULT_DATA);
        assertThat(nReaders % nWriters == 0 || nWriters % nReaders == 0).isTrue();
        long readBias = Math.max(1, nWriters / nReaders);
        long writeBias = Math.max(1, nReaders / nWriters);
        assertThat(nReaders * data * readBias).as("readers take what writers give").isEqualTo(nWriters * data * writeBias);
        byte[] buf = Bytes.filled(FILE_SZ, 0xac);
        Path path = Files.createTempFile("ktls4j-mutliproc", ".bin");
        closeLater(() -> Files.deleteIfExists(path));
        Files.write(path, buf);
        FileChannel file = closeLater(FileChannel.open(path, StandardOpenOption.READ));

        List<Future<Long>> children = new ArrayList<>();
        for (int i = 0; i < nReaders; i++) {
            children.add(background(() -> reader(p.cfd(), data * readBias)));
        }
        for (int i = 0; i < nWriters; i++) {
            children.add(background(() -> writer(p.fd(), sendpg, file, buf, data * writeBias)));
        }
        for (Future<Long> child : children) {
            assertThat(join(child)).as("child moved its share").isPositive();
        }
    }

    private static long reader(KtlsSocket cfd, long quota) throws Exception {
        byte[] rb = new byte[8001];
        long left = quota;
        while (left > 0) {
            ByteBuffer b = ByteBuffer.wrap(rb, 0, (int) Math.min(left, rb.length));
            int res = cfd.read(b);
            assertThat(res).as("recv with %d left", left).isPositive();
            for (int i = 0; i < res; i++) {
                if (rb[i] != (byte) 0xac) {
                    throw new AssertionError("byte " + i + " of a read is " + rb[i] + ", every byte sent is 0xac");
                }
            }
            left -= res;
        }
        return quota;
    }

    private static long writer(KtlsSocket fd, boolean sendpg, FileChannel file, byte[] buf, long quota)
            throws Exception {
        long left = quota;
        while (left > 0) {
            int n = (int) Math.min(left, FILE_SZ);
            long res = sendpg ? fd.sendFile(file, 0, n) : fd.send(ByteBuffer.wrap(buf, 0, n));
            assertThat(res).as("send with %d left", left).isPositive();
            left -= res;
        }
        return quota;
    }
}
