package io.ktls4j.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real peers the interop tests run (openssl, curl, gnutls-cli, python3, wrk, nginx): a test without its tool
 * skips with a one-line reason, unless {@code KTLS4J_REQUIRE_INTEROP=1} (CI) makes that a failure, so CI can never
 * pass an interop test by skipping it.
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

    private static String packageOf(String tool) {
        return switch (tool) {
            case "gnutls-cli", "gnutls-serv" -> "gnutls-bin";
            case "python3" -> "python3";
            default -> tool;
        };
    }
}
