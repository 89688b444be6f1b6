package io.ktls4j.cli;

import io.ktls4j.http.ConnectionLog;
import io.ktls4j.http.LogLines;
import java.io.PrintWriter;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * Where a server command's log events go: one line per connection on {@code err} unless quiet, the access log (one
 * line per request) on {@code access} when not null, notices always; the counters of the status page in
 * {@link ServerStats}.
 */
final class ServerLog implements ConnectionLog {
    private final ServerStats stats;
    private final PrintWriter err;
    private final PrintWriter access;
    private final boolean quiet;

    ServerLog(ServerStats stats, PrintWriter err, PrintWriter access, boolean quiet) {
        this.stats = stats;
        this.err = err;
        this.access = access;
        this.quiet = quiet;
    }

    @Override
    public void request(ConnectionLog.Request r) {
        stats.answered();
        if (access != null) {
            String line = LogLines.access(r);
            synchronized (access) {
                access.println(line);
                access.flush();
            }
        }
    }

    @Override
    public void served(ConnectionLog.Summary s) {
        stats.served(s.bytesOut());
        if (!quiet) {
            err.println(LogLines.served(s));
            err.flush();
        }
    }

    @Override
    public void failed(SocketAddress peer, Duration duration, Throwable cause) {
        if (!quiet) {
            err.println(LogLines.failed(peer, duration, cause));
            err.flush();
        }
    }

    /** Not per connection, and at most one a second of each kind: logged even when quiet. */
    @Override
    public void notice(String message) {
        err.println(LogLines.notice(message));
        err.flush();
    }
}
