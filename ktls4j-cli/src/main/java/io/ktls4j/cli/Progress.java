package io.ktls4j.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * A one-line progress bar on a terminal: bytes so far and the rate, and when the size is known the percentage, the
 * total and the time left.
 */
final class Progress {
    private final PrintWriter err;
    private final long t0 = System.nanoTime();
    private long lastDraw;

    Progress(PrintWriter err) {
        this.err = err;
    }

    /** True when standard error goes to a terminal (Console.isTerminal, Java 22). */
    static boolean isTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    LongConsumer tracker(long total) {
        return done -> {
            long now = System.nanoTime();
            if (now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            err.print("\r" + line(done, total, (now - t0) / 1e9) + "   ");
            err.flush();
        };
    }

    /**
     * The bar's text: with a known {@code total}, "42% 1.3 MiB of 3.0 MiB  2.0 MiB/s  ETA 0:01"; else the bytes so far
     * and the rate. The ETA assumes the average rate so far holds.
     */
    static String line(long done, long total, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        String speed = bytes((long) rate) + "/s";
        if (total <= 0) {
            return bytes(done) + "  " + speed;
        }
        String eta = rate > 0 ? clock((total - done) / rate) : "--:--";
        return String.format(Locale.ROOT, "%3d%% %s of %s  %s  ETA %s", done * 100 / total, bytes(done),
                bytes(total), speed, eta);
    }

    /** 75.2 s -> "1:16", 3725 s -> "1:02:05" (rounded up: the bar never promises less than is left). */
    static String clock(double seconds) {
        long s = (long) Math.ceil(Math.max(0, seconds));
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    void done() {
        err.print("\r\033[K");
        err.flush();
    }

    /** 1536 -> "1.5 KiB". */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
