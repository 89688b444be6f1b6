package io.ktls4j;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of {@code tls_stat} counters, from the kernel ({@code /proc/net/tls_stat}) or from the software backend
 * of this process. Counters the source does not have are absent, not zero.
 */
public final class TlsStatistics {
    private final String source;
    private final Map<TlsStat, Long> counters;

    public TlsStatistics(String source, Map<TlsStat, Long> counters) {
        this.source = source;
        this.counters = Collections.unmodifiableMap(counters.isEmpty() ? new EnumMap<>(TlsStat.class) : new EnumMap<>(counters));
    }

    /** Where the counters come from, e.g. "/proc/net/tls_stat" or "software". */
    public String source() {
        return source;
    }

    /** The counter's value, or 0 when the source does not have it. */
    public long get(TlsStat stat) {
        return counters.getOrDefault(stat, 0L);
    }

    public boolean has(TlsStat stat) {
        return counters.containsKey(stat);
    }

    public Map<TlsStat, Long> asMap() {
        return counters;
    }

    /** The counters in {@code /proc/net/tls_stat} format, one "Name value" per line. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        counters.forEach((k, v) -> sb.append(String.format("%-32s%d%n", k.name(), v)));
        return sb.toString();
    }

    @Override
    public String toString() {
        return "TlsStatistics[" + source + " " + counters + "]";
    }
}
