package io.ktls4j.sw;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.records.SoftwareCounters;

/**
 * The software backend's {@code tls_stat} counters for this process, with the kernel's names and meanings
 * ({@code TlsCurrTxSw} … {@code TlsRxRekeyReceived}). Also exposed as the JMX MBean
 * {@code io.ktls4j:type=TlsStatistics,source="software"}.
 */
public final class SoftwareTlsStats {
    private SoftwareTlsStats() {
    }

    /** A snapshot of every counter (source "software"). */
    public static TlsStatistics snapshot() {
        return SoftwareCounters.snapshot();
    }

    static void increment(TlsStat stat) {
        SoftwareCounters.increment(stat);
    }

    static void decrement(TlsStat stat) {
        SoftwareCounters.decrement(stat);
    }
}
