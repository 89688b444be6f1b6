package io.ktls4j.http;

import java.time.Duration;

/**
 * The accept loop's answer to failing accepts ({@code EMFILE} when the process is out of file descriptors: the
 * pending connections stay in the listen backlog, and retrying at once would spin): a pause, from 10 ms doubling up
 * to {@link #MAX_PAUSE} (nginx stops accepting for a while too); one log line a second at most while accepts fail;
 * and one line saying they work again, once a second has passed without a failure. Called by the accept thread.
 */
final class AcceptFailures {
    /** The longest pause between two failed accepts. */
    static final Duration MAX_PAUSE = Duration.ofMillis(500);
    /** How long accepts must work before the log says so. */
    private static final Duration QUIET = Duration.ofSeconds(1);

    private final Watchdog watchdog;
    private final ConnectionLog log;
    private final NoticeThrottle notices;
    private long pauseMillis;
    private int failures;
    private long firstFailure;
    private long lastFailure;
    private boolean awaitingQuiet;

    AcceptFailures(Watchdog watchdog, ConnectionLog log) {
        this.watchdog = watchdog;
        this.log = log;
        this.notices = new NoticeThrottle(QUIET, watchdog,
                (n, last) -> "accept failed" + (n == 1 ? "" : " " + n + " times in the last second") + ": " + last
                        + "; pausing accepts (at most " + MAX_PAUSE.toMillis() + " ms at a time)",
                log::notice);
    }

    /** An accept failed ({@code why}: the exception on one line): returns how long to pause before the next. */
    synchronized Duration failed(String why) {
        long now = System.nanoTime();
        if (failures++ == 0) {
            firstFailure = now;
        }
        lastFailure = now;
        pauseMillis = Math.min(Math.max(10, pauseMillis * 2), MAX_PAUSE.toMillis());
        notices.event(why);
        return Duration.ofMillis(pauseMillis);
    }

    /** An accept worked. */
    synchronized void succeeded() {
        pauseMillis = 0;
        if (failures > 0 && !awaitingQuiet) {
            awaitingQuiet = true;
            watchdog.arm(QUIET, this::checkQuiet);
        }
    }

    private void checkQuiet() {
        String line;
        synchronized (this) {
            long since = System.nanoTime() - lastFailure;
            if (since < QUIET.toNanos()) {
                watchdog.arm(QUIET.minusNanos(since), this::checkQuiet);
                return;
            }
            line = "accepting again after " + failures + " failed accepts in "
                    + Duration.ofNanos(lastFailure - firstFailure).toMillis() + " ms";
            failures = 0;
            awaitingQuiet = false;
        }
        log.notice(line);
    }
}
