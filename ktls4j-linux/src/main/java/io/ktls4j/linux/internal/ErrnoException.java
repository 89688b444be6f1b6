package io.ktls4j.linux.internal;

import java.io.IOException;

/**
 * A failed socket call whose errno is outside the record layer's vocabulary ({@link io.ktls4j.Errno}), e.g.
 * {@code ETIMEDOUT} or {@code ENOTSOCK}. Names the call and the errno.
 */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public ErrnoException(int errno, String call) {
        super(call + ": " + Errors.name(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** The numeric Linux errno. */
    public int errno() {
        return errno;
    }
}
