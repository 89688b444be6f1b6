package io.ktls4j.cli;

import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where {@code ktls} keeps state between runs (the default certificate of serve and agent):
 * {@code --state-dir}, else {@code $XDG_STATE_HOME/ktls4j}, else {@code ~/.local/state/ktls4j}.
 */
final class StateDir {
    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the default certificate is kept (default: $XDG_STATE_HOME/ktls4j or ~/.local/state/ktls4j).")
    Path override;

    /** The state directory of this run. */
    Path path() {
        return resolve(override, System.getenv());
    }

    static Path resolve(Path override, Map<String, String> env) {
        if (override != null) {
            return override;
        }
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "ktls4j");
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "ktls4j");
    }
}
