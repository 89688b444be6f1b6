package io.ktls4j.linux;

import io.ktls4j.linux.internal.FallbackCounters;
import java.util.Map;

/**
 * Process-wide counts of the decisions {@link Ktls#attach} made: directions placed in the kernel, directions that
 * fell back to the software backend, and how often each reason caused a fallback. The kernel's own counters are in
 * {@link KernelTls#statistics()}; these complete them with what never reached the kernel.
 */
public final class FallbackStatistics {
    private FallbackStatistics() {
    }

    /** A snapshot of the counters. */
    public record Snapshot(long kernelTx, long kernelRx, long softwareTx, long softwareRx, long fallbackTx,
                           long fallbackRx, Map<String, Long> fallbackReasons) {
    }

    static void record(FallbackDecision d, String reasonKey) {
        FallbackCounters.record(d, reasonKey);
    }

    public static Snapshot snapshot() {
        return FallbackCounters.snapshot();
    }
}
