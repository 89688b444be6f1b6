package io.ktls4j.records;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The record layer's buffers, shared by every connection of the process: a connection holds one only while a record
 * is in flight (received bytes not yet decrypted, an open {@code MSG_MORE} record, sealed records the socket has not
 * taken), and gives it back when it is drained, so that an idle connection holds none (the kernel likewise keeps no
 * per-socket record buffer between records). A bounded number of free buffers is kept per size; beyond that, a
 * released buffer is left to the garbage collector, so memory returns after a burst.
 *
 * <p>Plaintext buffers are zeroed when released, so an open record's bytes never reach the next owner; batch
 * buffers hold ciphertext only and are not.
 */
public final class RecordBuffers {
    /** One record's plaintext: {@link TlsRecords#MAX_PLAINTEXT} plus the TLS 1.3 inner type and padding. */
    public static final int RECORD_PLAINTEXT = TlsRecords.MAX_PLAINTEXT + 256;
    /** Four records of ciphertext, as the kernel's socket write batches them. */
    public static final int RECORD_BATCH = 4 * (TlsRecords.HEADER_SIZE + TlsRecords.MAX_PLAINTEXT + 256);

    /*
     * How many free buffers are kept: enough for the records in flight at once on a few cores (a buffer is held for
     * the time of one record's sealing and writing), little enough not to be a fixed cost that dwarfs an idle
     * connection (64 + 32 buffers: 3 MiB at most).
     */
    private static final Pool PLAINTEXT = new Pool(RECORD_PLAINTEXT, 64, true);
    private static final Pool BATCH = new Pool(RECORD_BATCH, 32, false);

    private RecordBuffers() {
    }

    /** A cleared heap buffer of {@link #RECORD_PLAINTEXT} bytes. */
    public static ByteBuffer plaintext() {
        return PLAINTEXT.acquire();
    }

    /** A cleared heap buffer of {@link #RECORD_BATCH} bytes. */
    public static ByteBuffer batch() {
        return BATCH.acquire();
    }

    /** Gives a buffer from {@link #plaintext()} or {@link #batch()} back; null is ignored. Returns null. */
    public static ByteBuffer release(ByteBuffer buffer) {
        if (buffer != null) {
            (buffer.capacity() == RECORD_BATCH ? BATCH : PLAINTEXT).release(buffer);
        }
        return null;
    }

    /** For tests: free buffers kept of each size (plaintext, batch). */
    public static int[] free() {
        return new int[] {PLAINTEXT.free.get(), BATCH.free.get()};
    }

    private static final class Pool {
        private final int size;
        private final int keep;
        private final boolean zero;
        private final ConcurrentLinkedQueue<ByteBuffer> buffers = new ConcurrentLinkedQueue<>();
        private final AtomicInteger free = new AtomicInteger();

        Pool(int size, int keep, boolean zero) {
            this.size = size;
            this.keep = keep;
            this.zero = zero;
        }

        ByteBuffer acquire() {
            ByteBuffer b = buffers.poll();
            if (b == null) {
                return ByteBuffer.allocate(size);
            }
            free.decrementAndGet();
            return b.clear();
        }

        void release(ByteBuffer b) {
            if (b.capacity() != size || b.isReadOnly() || !b.hasArray()) {
                throw new IllegalArgumentException("not a record buffer of " + size + " bytes");
            }
            if (zero) {
                Arrays.fill(b.array(), (byte) 0);
            }
            if (free.incrementAndGet() <= keep) {
                buffers.offer(b.clear());
            } else {
                free.decrementAndGet(); // enough kept: this one goes to the collector
            }
        }
    }
}
