package io.ktls4j.cli;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts connections that went to the software record layer under {@code --backend auto}, by reason. */
final class FallbackLog {
    private final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();

    void record(String reason) {
        reasons.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    long total() {
        return reasons.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Reason to count, sorted by reason. */
    Map<String, Long> byReason() {
        Map<String, Long> m = new TreeMap<>();
        reasons.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
