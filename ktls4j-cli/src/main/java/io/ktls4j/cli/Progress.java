package io.ktls4j.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongConsumer;

/** A one-line progress bar on a terminal: bytes so far, percentage when the size is known, and the rate. */
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
            double s = (now - t0) / 1e9;
            String pct = total > 0 ? String.format(Locale.ROOT, "%3d%% ", done * 100 / total) : "";
            err.print(String.format(Locale.ROOT, "\r%s%s  %s/s   ", pct, bytes(done), bytes((long) (done / s))));
            err.flush();
        };
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
