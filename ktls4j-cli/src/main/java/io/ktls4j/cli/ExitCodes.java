package io.ktls4j.cli;

import io.ktls4j.KernelFeatureException;

/** The exit codes of every {@code ktls} command, listed in each command's usage footer. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    public static final int KERNEL_FEATURE_MISSING = 3;

    /** For picocli's {@code exitCodeList}: "code:description". */
    public static final String[] LIST = {
        "0:ok",
        "1:runtime failure (I/O, TLS handshake, HTTP error)",
        "2:usage error (unknown option, bad value)",
        "3:a kernel feature is missing that was required (--backend kernel)",
    };

    private ExitCodes() {
    }

    /** The code for an exception that ended a command. */
    static int of(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KernelFeatureException || c instanceof KernelRequiredException) {
                return KERNEL_FEATURE_MISSING;
            }
        }
        if (t instanceof IllegalArgumentException) {
            // option values checked where they are used: an unknown cipher suite, TLS version, URL scheme
            return USAGE;
        }
        return FAILURE;
    }
}
