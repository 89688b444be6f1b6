package io.ktls4j.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The timeouts of {@code ktls proxy}, in seconds on the command line. */
final class ProxyTimeouts {
    @Option(names = "--handshake-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds a TLS handshake may take (default: ${DEFAULT-VALUE}).")
    double handshake;

    @Option(names = "--connect-timeout", defaultValue = "5", paramLabel = "SECONDS",
            description = "Seconds to connect to the backend, then the client's connection is closed "
                    + "(default: ${DEFAULT-VALUE}).")
    double connect;

    @Option(names = "--idle-timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "Seconds without a byte moving either way, then both connections are closed "
                    + "(default: ${DEFAULT-VALUE}).")
    double idle;

    @Option(names = "--drain-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM: seconds the connections in progress may take to end after accepting stops; "
                    + "then what is left is closed (default: ${DEFAULT-VALUE}).")
    double drain;

    Duration handshake() {
        return ServeTimeouts.seconds(handshake);
    }

    Duration connect() {
        return ServeTimeouts.seconds(connect);
    }

    Duration idle() {
        return ServeTimeouts.seconds(idle);
    }

    Duration drain() {
        return ServeTimeouts.seconds(drain);
    }
}
