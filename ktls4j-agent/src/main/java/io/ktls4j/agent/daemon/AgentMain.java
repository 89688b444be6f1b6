package io.ktls4j.agent.daemon;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code ktls agent}: runs the handshake agent until SIGTERM or SIGINT; SIGHUP reloads the configuration.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... io.ktls4j.agent.daemon.AgentMain --socket PATH [--config FILE]
 *      [--socket-group GROUP] [--state-dir DIR] [--watch]
 * </pre>
 *
 * Exit codes: 1 runtime failure (cannot bind, bad configuration), 2 usage error; stopped by SIGTERM or SIGINT, the
 * JVM's 143 or 130 (128 + the signal) after the agent has stopped cleanly.
 */
public final class AgentMain {
    static final String USAGE = """
            Usage: ktls agent --socket PATH [--config FILE] [--socket-group GROUP] [--state-dir DIR] [--watch]
                              [--keylog FILE]
            Runs TLS handshakes for other processes on sockets they pass over PATH (docs/AGENT.md).
              --socket PATH         the Unix socket to listen on (mode 0600, or 0660 with --socket-group)
              --config FILE         credentials, allow lists and policy; default: one credential "default",
                                    the self-signed localhost certificate of `ktls serve`, for this uid only
              --socket-group GROUP  make the socket 0660 and owned by GROUP
              --state-dir DIR       where the default certificate lives (default: $XDG_STATE_HOME/ktls4j or
                                    ~/.local/state/ktls4j)
              --watch               also reload when FILE changes (polled every 2 s); SIGHUP always reloads
              --keylog FILE         write every session's secrets to FILE (NSS key log, for Wireshark); an
                                    inherited SSLKEYLOGFILE is ignored
            Exit codes: 1 runtime failure, 2 usage error; 143/130 stopped by SIGTERM/SIGINT (128 + signal).""";

    private AgentMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Parses {@code args}, runs the agent until the JVM is asked to stop, returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        AgentDaemon.Options options;
        Path socket = null;
        try {
            options = AgentDaemon.Options.defaults().reloadOnSighup(true).log(AgentLog.to(err));
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--socket" -> socket = Path.of(value(args, ++i, a));
                    case "--config" -> options = options.config(Path.of(value(args, ++i, a)));
                    case "--socket-group" -> options = options.socketGroup(value(args, ++i, a));
                    case "--state-dir" -> options = options.stateDir(Path.of(value(args, ++i, a)));
                    case "--watch" -> options = options.watchConfig(true);
                    case "--keylog" -> options = options.keyLog(Path.of(value(args, ++i, a)));
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (socket == null) {
                throw new IllegalArgumentException("--socket PATH is required");
            }
            if (options.watchConfig() && options.config() == null) {
                throw new IllegalArgumentException("--watch needs --config");
            }
        } catch (IllegalArgumentException e) {
            err.println("ktls agent: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        AgentDaemon daemon;
        try {
            daemon = AgentDaemon.start(socket, options);
        } catch (Exception e) {
            err.println("ktls agent: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                daemon.close();
            } catch (Exception ignored) {
                // exiting
            }
        }, "ktls-agent-stop"));
        try {
            daemon.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
