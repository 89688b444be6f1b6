package io.ktls4j.cli;

/** The exit codes of the {@code ktls} commands, listed in each command's usage footer. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    public static final int KERNEL_FEATURE_MISSING = 3;
    /** {@code get}: the server answered an HTTP error (curl's {@code --fail} code). */
    public static final int HTTP_ERROR = 22;
    /** {@code get -L}: more redirects than {@code --max-redirs} (curl's code). */
    public static final int TOO_MANY_REDIRECTS = 47;

    private ExitCodes() {
    }
}
