package io.ktls4j.records;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.TlsStatisticsMBean;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The process's software record-layer counters, with the kernel's {@code tls_stat} names and meanings. The software
 * backend counts here, and so does a record layer of another ktls4j module that seals and opens records itself with
 * {@link RecordCipher} (an event-loop integration), so both show in one place: {@code SoftwareTlsStats.snapshot()}
 * and the JMX MBean {@code io.ktls4j:type=TlsStatistics,source="software"}, registered by whichever counts first.
 */
public final class SoftwareCounters {
    private static final Map<TlsStat, LongAdder> COUNTERS = new EnumMap<>(TlsStat.class);

    static {
        for (TlsStat s : TlsStat.values()) {
            COUNTERS.put(s, new LongAdder());
        }
        TlsStatisticsMBean.register("software", SoftwareCounters::snapshot);
    }

    private SoftwareCounters() {
    }

    /** Counts one event with the kernel's meaning of {@code stat}. */
    public static void increment(TlsStat stat) {
        COUNTERS.get(stat).increment();
    }

    /** Undoes a {@code TlsCurr*} count when a direction is closed. */
    public static void decrement(TlsStat stat) {
        COUNTERS.get(stat).decrement();
    }

    /** A snapshot of every counter (source "software"). */
    public static TlsStatistics snapshot() {
        Map<TlsStat, Long> m = new EnumMap<>(TlsStat.class);
        COUNTERS.forEach((k, v) -> m.put(k, v.sum()));
        return new TlsStatistics("software", m);
    }
}
