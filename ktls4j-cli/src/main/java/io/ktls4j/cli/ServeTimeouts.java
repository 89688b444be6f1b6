package io.ktls4j.cli;

import io.ktls4j.http.HttpLimits;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The timeouts of {@code ktls serve}, in seconds on the command line. */
final class ServeTimeouts {
    @Option(names = "--handshake-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds a TLS handshake may take (default: ${DEFAULT-VALUE}).")
    double handshake;

    @Option(names = "--request-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds from a request's first byte to the end of its head, then 408 (default: ${DEFAULT-VALUE}).")
    double request;

    @Option(names = "--keepalive-timeout", defaultValue = "15", paramLabel = "SECONDS",
            description = "Seconds an idle keep-alive connection is kept (default: ${DEFAULT-VALUE}).")
    double keepAlive;

    @Option(names = "--send-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Seconds a response may stall on a client that stopped reading, then the connection is "
                    + "closed (default: ${DEFAULT-VALUE}).")
    double send;

    @Option(names = "--drain-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM: seconds the responses in progress may take to finish after accepting stops; "
                    + "then what is left is closed (default: ${DEFAULT-VALUE}).")
    double drain;

    Duration drain() {
        return seconds(drain);
    }

    Duration handshake() {
        return seconds(handshake);
    }

    /** The HTTP limits with these timeouts. */
    HttpLimits limits() {
        return HttpLimits.DEFAULT.withTimeouts(seconds(keepAlive), seconds(request), seconds(send));
    }

    /** At least a millisecond: the limits take positive timeouts only. */
    static Duration seconds(double s) {
        return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
    }
}
