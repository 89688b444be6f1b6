package io.ktls4j;

import java.io.IOException;

/**
 * A record-layer error, typed by the Linux errno it mirrors. The message says what happened and never contains key
 * material.
 */
public class KtlsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public KtlsException(Errno errno, String message) {
        super(errno.name() + ": " + message);
        this.errno = errno;
    }

    public KtlsException(Errno errno, String message, Throwable cause) {
        super(errno.name() + ": " + message, cause);
        this.errno = errno;
    }

    /** Constructor for stackless subclasses. */
    protected KtlsException(Errno errno, String message, boolean writableStackTrace) {
        super(errno.name() + ": " + message, null);
        this.errno = errno;
        if (!writableStackTrace) {
            setStackTrace(new StackTraceElement[0]);
        }
    }

    /** The errno the kernel answers with in the same situation. */
    public Errno errno() {
        return errno;
    }
}
