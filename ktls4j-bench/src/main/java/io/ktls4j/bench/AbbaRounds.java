package io.ktls4j.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Two measurements taken in ABBA order (BAAB the next round), so that load drifting slower than a round cancels out
 * of their per-round ratio: on a shared machine the ratio's median is the figure to read, not either value.
 */
final class AbbaRounds {
    /** One timed slice: a rate or a time per operation. */
    @FunctionalInterface
    interface Measure {
        double take() throws Exception;
    }

    /** Per-round means of each side and their ratio a/b. */
    record Result(List<Double> a, List<Double> b, List<Double> ratios) {
    }

    private AbbaRounds() {
    }

    static Result run(Measure a, Measure b, int rounds) throws Exception {
        List<Double> as = new ArrayList<>();
        List<Double> bs = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double a1;
            double b1;
            double b2;
            double a2;
            if (r % 2 == 0) {
                a1 = a.take();
                b1 = b.take();
                b2 = b.take();
                a2 = a.take();
            } else {
                b1 = b.take();
                a1 = a.take();
                a2 = a.take();
                b2 = b.take();
            }
            as.add((a1 + a2) / 2);
            bs.add((b1 + b2) / 2);
            ratios.add((a1 + a2) / (b1 + b2));
        }
        return new Result(as, bs, ratios);
    }

    static double median(List<Double> values) {
        return quantile(values, 0.5);
    }

    static double quantile(List<Double> values, double q) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.round(q * (sorted.size() - 1))));
    }
}
