package io.ktls4j.testkit;

import java.time.Duration;
import java.util.Locale;

/**
 * Timeouts that scale with how fast this machine runs now. A test states what would be ample on an idle host; under
 * the kernel lab's emulation (about 100x slower) or on a busy CI host the same work takes many times longer, and a
 * fixed timeout turns load into failures. The factor is measured once per JVM: the median of seven runs of a fixed
 * pure-Java workload against the time it takes on an idle reference host, never below 1.
 * {@code KTLS4J_PATIENCE=N} sets the factor instead (e.g. to reproduce a failure quickly).
 *
 * <p>What the factor does not see: under the lab's emulation this compiled integer loop measures about 3x, while
 * crypto-heavy code (a handshake) runs about 100x slower than on the host; lab tests therefore state bases that are
 * ample for a handshake on a busy host (60 s), and the factor adds what a busier guest needs on top.
 *
 * <p>Only for waits that end as soon as their condition holds (a handshake, a log line, a process exit), so a longer
 * timeout costs time only when something is already wrong.
 */
public final class Patience {
    /** The workload's best time on an idle reference host (2 cores, JDK 25, C2 compiled). */
    private static final long REFERENCE_NANOS = 10_000_000L;
    private static final int RUNS = 7;
    private static volatile double factor;

    private Patience() {
    }

    /** {@code onAnIdleHost} times this machine's slowness factor. */
    public static Duration of(Duration onAnIdleHost) {
        return Duration.ofMillis(millis(onAnIdleHost.toMillis()));
    }

    /** {@code onAnIdleHostMillis} times this machine's slowness factor, in milliseconds. */
    public static long millis(long onAnIdleHostMillis) {
        return (long) Math.ceil(onAnIdleHostMillis * factor());
    }

    /**
     * Polls {@code condition} every 10 ms until it holds; fails with {@code what} once {@code onAnIdleHost}, scaled by
     * this machine's slowness, has passed without it.
     */
    public static void await(Duration onAnIdleHost, java.util.function.BooleanSupplier condition,
                             java.util.function.Supplier<String> what) throws InterruptedException {
        Duration patience = of(onAnIdleHost);
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what.get() + " (not within " + patience.toMillis() + " ms)");
            }
            Thread.sleep(10);
        }
    }

    /** How many times slower than the reference host this JVM runs (at least 1). */
    public static double factor() {
        double f = factor;
        if (f == 0) {
            synchronized (Patience.class) {
                f = factor;
                if (f == 0) {
                    f = measure();
                    factor = f;
                }
            }
        }
        return f;
    }

    private static double measure() {
        String set = System.getenv("KTLS4J_PATIENCE");
        if (set != null && !set.isBlank()) {
            try {
                double v = Double.parseDouble(set.trim());
                if (v >= 1) {
                    return v;
                }
            } catch (NumberFormatException ignored) {
                // falls through to the message below
            }
            throw new IllegalArgumentException("KTLS4J_PATIENCE=" + set + ": give a number >= 1 (the slowness factor)");
        }
        long sink = workload(); // the first run compiles it
        long[] runs = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            sink += workload();
            runs[i] = System.nanoTime() - t0;
        }
        // the median, not the best run: the best shows how fast the machine can be, while a timeout must cover how
        // slow it is now (a loaded host hands the guest's vCPUs out in slices, which the best run slips between)
        java.util.Arrays.sort(runs);
        long median = runs[RUNS / 2];
        double f = Math.max(1.0, (double) median / REFERENCE_NANOS);
        System.err.printf(Locale.ROOT, "[patience] this JVM runs %.1fx slower than the reference host: timeouts"
                + " scaled by that (workload median %d ms, best %d ms, checksum %d)%n", f, median / 1_000_000,
                runs[0] / 1_000_000, sink & 0xff);
        return f;
    }

    /** Integer work of a fixed size (about 8 M steps over a 32 KiB array) that the JIT cannot remove. */
    private static long workload() {
        long x = 88172645463325252L;
        long acc = 0;
        long[] a = new long[4096];
        for (int r = 0; r < 2000; r++) {
            for (int i = 0; i < a.length; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                a[i] += x * (i | 1);
                acc += a[i] >>> 3;
            }
        }
        return acc;
    }
}
