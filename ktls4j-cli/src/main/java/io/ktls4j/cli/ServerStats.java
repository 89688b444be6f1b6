package io.ktls4j.cli;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What {@code ktls serve} has seen: connections now and in total, per backend and direction, versions, suites. */
final class ServerStats {
    final Instant started = Instant.now();
    private final AtomicLong now = new AtomicLong();
    private final LongAdder total = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final Map<Direction, Map<BackendKind, AtomicLong>> backendNow = new EnumMap<>(Direction.class);
    private final Map<Direction, Map<BackendKind, LongAdder>> backendTotal = new EnumMap<>(Direction.class);
    private final Map<String, LongAdder> versions = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> suites = new ConcurrentHashMap<>();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder requests = new LongAdder();

    ServerStats() {
        for (Direction d : Direction.values()) {
            Map<BackendKind, AtomicLong> n = new EnumMap<>(BackendKind.class);
            Map<BackendKind, LongAdder> t = new EnumMap<>(BackendKind.class);
            for (BackendKind k : BackendKind.values()) {
                n.put(k, new AtomicLong());
                t.put(k, new LongAdder());
            }
            backendNow.put(d, n);
            backendTotal.put(d, t);
        }
    }

    void opened(String version, String suite, BackendKind tx, BackendKind rx) {
        now.incrementAndGet();
        total.increment();
        versions.computeIfAbsent(version, v -> new LongAdder()).increment();
        suites.computeIfAbsent(suite, v -> new LongAdder()).increment();
        backendNow.get(Direction.TX).get(tx).incrementAndGet();
        backendNow.get(Direction.RX).get(rx).incrementAndGet();
        backendTotal.get(Direction.TX).get(tx).increment();
        backendTotal.get(Direction.RX).get(rx).increment();
    }

    void closed(BackendKind tx, BackendKind rx) {
        now.decrementAndGet();
        backendNow.get(Direction.TX).get(tx).decrementAndGet();
        backendNow.get(Direction.RX).get(rx).decrementAndGet();
    }

    /** A request answered: counted as it is, so that keep-alive connections show on the status page live. */
    void answered() {
        requests.increment();
    }

    /** The HTTP bytes (heads and bodies) a finished connection sent. */
    void served(long out) {
        bytesOut.add(out);
    }

    void handshakeFailed() {
        handshakeFailures.increment();
    }

    long connectionsNow() {
        return now.get();
    }

    long connectionsTotal() {
        return total.sum();
    }

    long handshakeFailures() {
        return handshakeFailures.sum();
    }

    long requests() {
        return requests.sum();
    }

    long bytesOut() {
        return bytesOut.sum();
    }

    /** Per direction ("tx", "rx"), per backend seen at least once: {now, total}. */
    Map<String, Object> backends() {
        Map<String, Object> m = new TreeMap<>();
        for (Direction d : Direction.values()) {
            Map<String, Object> per = new TreeMap<>();
            for (BackendKind k : BackendKind.values()) {
                long t = backendTotal.get(d).get(k).sum();
                if (t > 0) {
                    per.put(k.name(), Map.of("now", backendNow.get(d).get(k).get(), "total", t));
                }
            }
            m.put(d == Direction.TX ? "tx" : "rx", per);
        }
        return m;
    }

    /** Per direction, the connections open now on each backend. */
    Map<Direction, Map<BackendKind, Long>> backendsNow() {
        Map<Direction, Map<BackendKind, Long>> m = new EnumMap<>(Direction.class);
        backendNow.forEach((d, per) -> {
            Map<BackendKind, Long> n = new EnumMap<>(BackendKind.class);
            per.forEach((k, v) -> n.put(k, v.get()));
            m.put(d, n);
        });
        return m;
    }

    /** Per direction, all connections so far on each backend. */
    Map<Direction, Map<BackendKind, Long>> backendsTotal() {
        Map<Direction, Map<BackendKind, Long>> m = new EnumMap<>(Direction.class);
        backendTotal.forEach((d, per) -> {
            Map<BackendKind, Long> n = new EnumMap<>(BackendKind.class);
            per.forEach((k, v) -> n.put(k, v.sum()));
            m.put(d, n);
        });
        return m;
    }

    Map<String, Long> versions() {
        return sums(versions);
    }

    Map<String, Long> suites() {
        return sums(suites);
    }

    private static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> r = new TreeMap<>();
        m.forEach((k, v) -> r.put(k, v.sum()));
        return r;
    }
}
