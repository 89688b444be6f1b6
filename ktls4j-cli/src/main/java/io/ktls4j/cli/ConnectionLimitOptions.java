package io.ktls4j.cli;

import io.ktls4j.http.ConnectionLimits;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code --max-connections} and {@code --max-connections-per-ip} of a server command: the {@link ConnectionLimits}
 * its connections are admitted within ({@link OptionTexts} has the proxy's wording).
 */
final class ConnectionLimitOptions {
    @Option(names = "--max-connections", defaultValue = "1024",
            description = "Connections held at once (default: ${DEFAULT-VALUE}). At the limit the connection that has "
                    + "waited longest unanswered (in its handshake, idle, or still sending its request head) is "
                    + "closed to make room; only when all are being answered is a newcomer refused.")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", defaultValue = "256", paramLabel = "N",
            description = "Connections held at once from one client IP address; more are closed at once, before "
                    + "any handshake (default: ${DEFAULT-VALUE}).")
    int maxPerAddress;

    /** @throws ParameterException when a limit is below 1 */
    ConnectionLimits limits(CommandLine cl) {
        if (maxConnections < 1 || maxPerAddress < 1) {
            throw new ParameterException(cl, "--max-connections and --max-connections-per-ip must be at least 1");
        }
        return new ConnectionLimits(maxConnections, maxPerAddress);
    }
}
