package io.ktls4j.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real peers the interop tests run (openssl, curl, gnutls-cli, python3, wrk, nginx): a test without its tool
 * skips with a one-line reason, unless {@code KTLS4J_REQUIRE_INTEROP=1} (CI) makes that a failure, so CI can never
 * pass an interop test by skipping it. A headless browser is the same with its own switch,
 * {@code KTLS4J_REQUIRE_BROWSER=1} ({@link #requireBrowser()}).
 */
public final class Tools {
    private Tools() {
    }

    /** True when {@code tool} is an executable on the PATH. */
    public static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** True when a missing tool must fail the test ({@code KTLS4J_REQUIRE_INTEROP=1}). */
    public static boolean required() {
        return "1".equals(System.getenv("KTLS4J_REQUIRE_INTEROP"));
    }

    /** Skips the test (or fails it under {@code KTLS4J_REQUIRE_INTEROP=1}) unless every one of {@code tools} is there. */
    public static void require(String... tools) {
        for (String tool : tools) {
            if (has(tool)) {
                continue;
            }
            String why = tool + " is not installed (.ci/run installs it: apt-get install " + packageOf(tool) + ")";
            if (required()) {
                Assertions.fail("KTLS4J_REQUIRE_INTEROP=1 but " + why);
            }
            Assumptions.abort(why);
        }
    }

    /** The Chromium executables this build knows, by the names distributions give them. */
    private static final java.util.List<String> CHROMIUM = java.util.List.of("chromium", "chromium-browser",
            "google-chrome");

    /**
     * The Chromium on the PATH; skips the test (or fails it under {@code KTLS4J_REQUIRE_BROWSER=1}, which CI sets)
     * when there is none.
     */
    public static String requireBrowser() {
        for (String name : CHROMIUM) {
            if (has(name)) {
                return name;
            }
        }
        String why = "no Chromium on the PATH (" + String.join(", ", CHROMIUM) + "; .ci/run installs it: apt-get "
                + "install chromium)";
        if ("1".equals(System.getenv("KTLS4J_REQUIRE_BROWSER"))) {
            Assertions.fail("KTLS4J_REQUIRE_BROWSER=1 but " + why);
        }
        Assumptions.abort(why);
        return null;
    }

    private static String packageOf(String tool) {
        return switch (tool) {
            case "gnutls-cli", "gnutls-serv" -> "gnutls-bin";
            case "python3" -> "python3";
            default -> tool;
        };
    }
}
