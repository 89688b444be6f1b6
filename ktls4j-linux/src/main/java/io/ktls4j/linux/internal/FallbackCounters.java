package io.ktls4j.linux.internal;

import io.ktls4j.Direction;
import io.ktls4j.linux.FallbackDecision;
import io.ktls4j.linux.FallbackStatistics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counters behind {@link FallbackStatistics}: public here (a package this module does not export) so that both
 * {@code Ktls.attach} and the placements an integration makes on a raw descriptor
 * ({@link io.ktls4j.linux.fd.KtlsDescriptor#countPlacement}) count in the same place.
 */
public final class FallbackCounters {
    private static final AtomicLongArray KERNEL = new AtomicLongArray(2);
    private static final AtomicLongArray SOFTWARE = new AtomicLongArray(2);
    private static final AtomicLongArray FALLBACKS = new AtomicLongArray(2);
    private static final Map<String, Long> REASONS = new ConcurrentHashMap<>();

    private FallbackCounters() {
    }

    /** Counts one direction's placement; a fallback also under {@code reasonKey}. */
    public static void record(FallbackDecision d, String reasonKey) {
        int i = d.direction().ordinal();
        (d.isKernel() ? KERNEL : SOFTWARE).incrementAndGet(i);
        if (d.fellBack()) {
            FALLBACKS.incrementAndGet(i);
            REASONS.merge(reasonKey, 1L, Long::sum);
        }
    }

    public static FallbackStatistics.Snapshot snapshot() {
        int tx = Direction.TX.ordinal();
        int rx = Direction.RX.ordinal();
        return new FallbackStatistics.Snapshot(KERNEL.get(tx), KERNEL.get(rx), SOFTWARE.get(tx), SOFTWARE.get(rx),
                FALLBACKS.get(tx), FALLBACKS.get(rx), new TreeMap<>(REASONS));
    }
}
