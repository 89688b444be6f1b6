package io.ktls4j.linux;

import io.ktls4j.Errno;

/**
 * The Linux errno numbers (x86-64 and aarch64 share them) that ktls4j-linux compares or names beyond the record
 * layer's own ({@link io.ktls4j.Errno}, which has {@code ENOENT}, {@code EAGAIN}, {@code ENOMEM}, {@code EINVAL}
 * ...): one place, so that no call site compares a bare number. {@link ErrnoException#errno()} is one of these.
 */
public final class LinuxErrno {
    public static final int EPERM = 1;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EACCES = 13;
    public static final int ENODEV = 19;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTSOCK = 88;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ENOBUFS = 105;
    public static final int ESHUTDOWN = 108;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;

    private LinuxErrno() {
    }

    /** The symbolic name of a Linux errno ({@code "EMFILE"}), from {@link Errno} or this class, or "errno N". */
    public static String name(int errno) {
        Errno e = Errno.ofCode(errno);
        if (e != null) {
            return e.name();
        }
        return switch (errno) {
            case EPERM -> "EPERM";
            case EINTR -> "EINTR";
            case EBADF -> "EBADF";
            case EACCES -> "EACCES";
            case ENODEV -> "ENODEV";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case ERANGE -> "ERANGE";
            case ENAMETOOLONG -> "ENAMETOOLONG";
            case ENOSYS -> "ENOSYS";
            case ENOTSOCK -> "ENOTSOCK";
            case EPROTONOSUPPORT -> "EPROTONOSUPPORT";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case EADDRINUSE -> "EADDRINUSE";
            case EADDRNOTAVAIL -> "EADDRNOTAVAIL";
            case ENETDOWN -> "ENETDOWN";
            case ENETUNREACH -> "ENETUNREACH";
            case ECONNABORTED -> "ECONNABORTED";
            case ENOBUFS -> "ENOBUFS";
            case ESHUTDOWN -> "ESHUTDOWN";
            case ETIMEDOUT -> "ETIMEDOUT";
            case ECONNREFUSED -> "ECONNREFUSED";
            case EHOSTUNREACH -> "EHOSTUNREACH";
            default -> "errno " + errno;
        };
    }
}
