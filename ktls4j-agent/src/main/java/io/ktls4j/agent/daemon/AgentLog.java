package io.ktls4j.agent.daemon;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Where the agent writes its one-line decisions. Implementations must be thread-safe. */
@FunctionalInterface
public interface AgentLog {
    void log(String line);

    /** Timestamped lines on {@code out} ({@code 2025-01-01T12:00:00.123Z ktls-agent: ...}). */
    static AgentLog to(PrintStream out) {
        return line -> {
            synchronized (out) {
                out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " ktls-agent: " + line);
                out.flush();
            }
        };
    }
}
