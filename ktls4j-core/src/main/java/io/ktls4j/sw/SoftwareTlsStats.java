package io.ktls4j.sw;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.TlsStatisticsMBean;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The software backend's {@code tls_stat} counters for this process, with the kernel's names and meanings
 * ({@code TlsCurrTxSw} … {@code TlsRxRekeyReceived}). Also exposed as the JMX MBean
 * {@code io.ktls4j:type=TlsStatistics,source="software"}.
 */
public final class SoftwareTlsStats {
    private static final Map<TlsStat, LongAdder> COUNTERS = new EnumMap<>(TlsStat.class);

    static {
        for (TlsStat s : TlsStat.values()) {
            COUNTERS.put(s, new LongAdder());
        }
        TlsStatisticsMBean.register("software", SoftwareTlsStats::snapshot);
    }

    private SoftwareTlsStats() {
    }

    /** A snapshot of every counter (source "software"). */
    public static TlsStatistics snapshot() {
        Map<TlsStat, Long> m = new EnumMap<>(TlsStat.class);
        COUNTERS.forEach((k, v) -> m.put(k, v.sum()));
        return new TlsStatistics("software", m);
    }

    /**
     * Counts one event of a software record layer outside this package (an event-loop integration that seals and
     * opens records itself with {@link io.ktls4j.record.RecordCipher}), with the kernel's meaning of {@code stat}.
     */
    public static void increment(TlsStat stat) {
        COUNTERS.get(stat).increment();
    }

    /** Undoes a {@code TlsCurr*} count when such a record layer's direction is closed. */
    public static void decrement(TlsStat stat) {
        COUNTERS.get(stat).decrement();
    }
}
