package io.ktls4j.linux;

import io.ktls4j.Direction;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Process-wide counts of the decisions {@link Ktls#attach} made: directions placed in the kernel, directions that
 * fell back to the software backend, and how often each reason caused a fallback. The kernel's own counters are in
 * {@link KernelTls#statistics()}; these complete them with what never reached the kernel.
 */
public final class FallbackStatistics {
    private static final AtomicLongArray KERNEL = new AtomicLongArray(2);
    private static final AtomicLongArray SOFTWARE = new AtomicLongArray(2);
    private static final AtomicLongArray FALLBACKS = new AtomicLongArray(2);
    private static final Map<String, Long> REASONS = new ConcurrentHashMap<>();

    private FallbackStatistics() {
    }

    /** A snapshot of the counters. */
    public record Snapshot(long kernelTx, long kernelRx, long softwareTx, long softwareRx, long fallbackTx,
                           long fallbackRx, Map<String, Long> fallbackReasons) {
    }

    /**
     * Counts one direction's placement. {@link Ktls#attach} calls it; so does an integration that places directions
     * on a descriptor itself ({@link io.ktls4j.linux.fd.KtlsDescriptor}), with the same reason keys: the missing
     * feature's title, the errno's name, or "no kTLS".
     *
     * @param reasonKey what {@link Snapshot#fallbackReasons()} counts a fallback under (ignored unless it fell back)
     */
    public static void record(FallbackDecision d, String reasonKey) {
        int i = d.direction().ordinal();
        (d.isKernel() ? KERNEL : SOFTWARE).incrementAndGet(i);
        if (d.fellBack()) {
            FALLBACKS.incrementAndGet(i);
            REASONS.merge(reasonKey, 1L, Long::sum);
        }
    }

    public static Snapshot snapshot() {
        int tx = Direction.TX.ordinal();
        int rx = Direction.RX.ordinal();
        return new Snapshot(KERNEL.get(tx), KERNEL.get(rx), SOFTWARE.get(tx), SOFTWARE.get(rx), FALLBACKS.get(tx),
                FALLBACKS.get(rx), new TreeMap<>(REASONS));
    }
}
