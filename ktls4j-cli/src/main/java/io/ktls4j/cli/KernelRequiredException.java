package io.ktls4j.cli;

import java.io.IOException;

/** {@code --backend kernel} was asked for and the running kernel cannot do it (exit code 3). */
public final class KernelRequiredException extends IOException {
    private static final long serialVersionUID = 1L;

    public KernelRequiredException(String message, Throwable cause) {
        super(message, cause);
    }
}
