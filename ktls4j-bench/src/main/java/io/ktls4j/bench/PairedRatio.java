package io.ktls4j.bench;

import io.ktls4j.RecordType;
import io.ktls4j.records.RecordCipher;
import java.util.Locale;

/**
 * Record layer vs raw JCE loop as a paired measurement, for machines too busy for JMH's one-benchmark-after-another
 * runs to give a stable ratio. Each round times a slice of record-layer work and a slice of raw work (order ABBA,
 * swapped every round) with the same state as {@link RecordCipherBench}; the per-round ratio cancels load that drifts
 * slower than a round. Prints the median ratio and its quartiles.
 *
 * <pre>java -cp ktls4j-bench/target/benchmarks.jar io.ktls4j.bench.PairedRatio CIPHER SIZE [VERSION] [ROUNDS] [SLICE_MS] [heap|direct]</pre>
 */
public final class PairedRatio {
    private PairedRatio() {}

    private interface Batch {
        /** Runs one batch of {@link RecordCipherBench#BATCH} records; returns the nanoseconds to count. */
        long run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        RecordCipherBench.Records r = new RecordCipherBench.Records();
        r.cipher = args[0];
        r.size = Integer.parseInt(args[1]);
        r.version = args.length > 2 ? args[2] : "TLS_1_3";
        r.buffers = args.length > 5 ? args[5] : "heap";
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 40;
        long sliceNanos = (args.length > 4 ? Long.parseLong(args[4]) : 100) * 1_000_000L;
        r.setUp();
        RecordCipher tx = RecordCipher.forTx(r.info);
        long[] sink = new long[1];

        Batch seal = () -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < RecordCipherBench.BATCH; i++) {
                tx.seal(RecordType.APPLICATION_DATA, r.plaintext.clear(), r.slots[i].clear());
                sink[0] += r.slots[i].position();
            }
            return System.nanoTime() - t0;
        };
        Batch rawSeal = () -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < RecordCipherBench.BATCH; i++) {
                sink[0] += r.raw.seal(i);
            }
            return System.nanoTime() - t0;
        };
        Batch open = () -> {
            RecordCipher rx = RecordCipher.forRx(r.info); // fresh sequence numbers, outside the timed part
            long t0 = System.nanoTime();
            for (int i = 0; i < RecordCipherBench.BATCH; i++) {
                sink[0] += rx.open(r.sealed[i].rewind(), r.slots[i].clear()).length();
            }
            return System.nanoTime() - t0;
        };
        Batch rawOpen = () -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < RecordCipherBench.BATCH; i++) {
                sink[0] += r.raw.open(i);
            }
            return System.nanoTime() - t0;
        };

        for (int i = 0; i < 20; i++) { // warm-up: let the JIT compile all four paths
            rate(seal, sliceNanos / 4);
            rate(rawSeal, sliceNanos / 4);
            rate(open, sliceNanos / 4);
            rate(rawOpen, sliceNanos / 4);
        }
        System.out.printf(Locale.ROOT, "%s %s %d bytes %s, %d rounds of %d ms slices (ABBA), JDK %s%n", r.version,
                r.cipher, r.size, r.buffers, rounds, sliceNanos / 1_000_000, System.getProperty("java.version"));
        report("seal", seal, rawSeal, rounds, sliceNanos, r.size);
        report("open", open, rawOpen, rounds, sliceNanos, r.size);
        if (sink[0] == 42) {
            System.out.println(); // keeps the results alive
        }
    }

    private static void report(String what, Batch record, Batch raw, int rounds, long sliceNanos, int size)
            throws Exception {
        AbbaRounds.Result r = AbbaRounds.run(() -> rate(record, sliceNanos), () -> rate(raw, sliceNanos), rounds);
        System.out.printf(Locale.ROOT, "%s: record %.0f MB/s, raw %.0f MB/s (medians); ratio record/raw median %.3f,"
                        + " quartiles %.3f..%.3f%n", what, AbbaRounds.median(r.a()) * size / 1e6,
                AbbaRounds.median(r.b()) * size / 1e6, AbbaRounds.median(r.ratios()),
                AbbaRounds.quantile(r.ratios(), 0.25), AbbaRounds.quantile(r.ratios(), 0.75));
    }

    /** Records per second over batches that together take about {@code sliceNanos} of timed work. */
    private static double rate(Batch batch, long sliceNanos) throws Exception {
        long timed = 0;
        long records = 0;
        while (timed < sliceNanos) {
            timed += batch.run();
            records += RecordCipherBench.BATCH;
        }
        return records / (timed / 1e9);
    }
}
