package io.ktls4j.cli;

import java.nio.file.Path;
import java.util.Map;

/** Where {@code ktls} keeps state between runs: {@code $XDG_STATE_HOME/ktls4j}, else {@code ~/.local/state/ktls4j}. */
final class StateDir {
    private StateDir() {
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
