package io.ktls4j.http;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * One log line a second at most for a server event that an attack can repeat thousands of times a second (refused
 * connections, failed accepts): the first event is logged at once, the ones after it are counted and summed up in
 * one line when the second is over; a second without events ends the cycle.
 */
final class NoticeThrottle {
    /** Makes the line: {@code count} events in the interval, {@code last} the last one's description. */
    @FunctionalInterface
    interface Line {
        String of(int count, String last);
    }

    private final Duration interval;
    private final Watchdog watchdog;
    private final Line line;
    private final Consumer<String> sink;
    private int count;
    private String last;
    private boolean cycling;

    NoticeThrottle(Duration interval, Watchdog watchdog, Line line, Consumer<String> sink) {
        this.interval = interval;
        this.watchdog = watchdog;
        this.line = line;
        this.sink = sink;
    }

    /** One more event, described by {@code what}. */
    void event(String what) {
        String now;
        synchronized (this) {
            count++;
            last = what;
            if (cycling) {
                return;
            }
            cycling = true;
            now = take();
            watchdog.arm(interval, this::endOfInterval);
        }
        sink.accept(now);
    }

    private void endOfInterval() {
        String now;
        synchronized (this) {
            if (count == 0) {
                cycling = false;
                return;
            }
            now = take();
            watchdog.arm(interval, this::endOfInterval);
        }
        sink.accept(now);
    }

    private String take() {
        String s = line.of(count, last);
        count = 0;
        return s;
    }
}
