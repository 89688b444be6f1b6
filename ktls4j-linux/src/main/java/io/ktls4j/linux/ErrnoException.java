package io.ktls4j.linux;

import java.io.IOException;

/**
 * A failed system call whose errno is outside the record layer's vocabulary ({@link io.ktls4j.Errno}), e.g.
 * {@code ETIMEDOUT}, {@code EMFILE} or {@code ENOTSOCK}: names the call and the errno ({@link LinuxErrno} has the
 * numbers to compare {@link #errno()} with). An errno the record layer knows comes as
 * {@link io.ktls4j.KtlsException} with its {@link io.ktls4j.Errno} instead.
 */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param errno the positive Linux errno
     * @param call the call that failed, as its message starts ({@code "accept4(AF_UNIX)"})
     */
    public ErrnoException(int errno, String call) {
        super(call + ": " + LinuxErrno.name(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** The numeric Linux errno (x86-64/aarch64 numbering), e.g. {@link LinuxErrno#EMFILE}. */
    public int errno() {
        return errno;
    }
}
