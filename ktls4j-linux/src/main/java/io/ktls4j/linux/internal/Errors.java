package io.ktls4j.linux.internal;

import io.ktls4j.BadRecordException;
import io.ktls4j.CipherType;
import io.ktls4j.ControlRecordException;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KeyExpiredException;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.KernelFeature;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.function.Supplier;

/**
 * The one place where a kernel errno becomes the contract's typed exception. Each entry point is a call site kind
 * (attaching the ULP, installing keys, another option, writing, reading), because the kernel reuses errnos: EIO is
 * "control record next" only on a read, ENOENT is "no tls module" only on {@code TCP_ULP}. Messages name the call
 * and the option, never key material.
 */
public final class Errors {
    private static final String ULP_CALL = "setsockopt(IPPROTO_TCP, TCP_ULP, \"tls\")";

    private Errors() {
    }

    /** {@code setsockopt(TCP_ULP, "tls")}. */
    public static IOException attach(int errno) {
        return switch (errno) {
            // The kernel found no ULP called "tls" and could not load the module.
            case 2 -> KernelFeature.ULP.unsupported(Errno.ENOENT, ULP_CALL + " answered ENOENT: the tls module is"
                    + " not loaded and could not be loaded (CONFIG_TLS unset or the module blacklisted; try `modprobe tls`)");
            // tls_init refuses anything but an established connection; __tcp_set_ulp refuses listeners.
            case 107 -> new KtlsException(Errno.ENOTCONN, ULP_CALL + ": the socket is not connected (the tls ULP"
                    + " needs an established TCP connection; listening sockets are refused too)");
            case 17 -> new KtlsException(Errno.EEXIST, ULP_CALL + ": a ULP is already attached to this socket");
            default -> generic(errno, ULP_CALL);
        };
    }

    /**
     * {@code setsockopt(SOL_TLS, TLS_TX|TLS_RX)}.
     *
     * @param rekey true when keys were already installed in that direction
     * @param kernelRekeys whether this kernel supports TLS 1.3 rekey (from {@code KernelTls} probing)
     * @param missing the feature the kernel was probed to lack for this version and cipher, or null
     */
    public static IOException install(int errno, Direction dir, TlsVersion version, CipherType cipher, boolean rekey,
            boolean kernelRekeys, KernelFeature missing) {
        String call = "setsockopt(SOL_TLS, " + dir + ", " + version + " " + cipher + ")";
        if (errno == 16 && rekey) {
            if (version == TlsVersion.TLS_1_3 && !kernelRekeys) {
                return KernelFeature.REKEY.unsupported(Errno.EBUSY, call + " on a socket that already has "
                        + dir + " keys answered EBUSY");
            }
            return new KtlsException(Errno.EBUSY, call + ": " + dir + " keys are already installed"
                    + (version == TlsVersion.TLS_1_2 ? " and TLS 1.2 has no rekey" : ""));
        }
        if (missing != null && (errno == 22 || errno == 2 || errno == 92 || errno == 95)) {
            return missing.unsupported(Errno.ofCode(errno), call + " was refused");
        }
        return switch (errno) {
            case 92 -> new KtlsException(Errno.ENOPROTOOPT, call + ": the tls ULP is not attached to this socket");
            case 2 -> new KtlsException(Errno.ENOENT, call + ": the kernel crypto API has no AEAD for " + cipher
                    + " (its module is not built or cannot be loaded)");
            case 22 -> new KtlsException(Errno.EINVAL, call + ": invalid crypto_info (unknown version or cipher,"
                    + " a wrong length, or a rekey that changes version or cipher)");
            default -> generic(errno, call);
        };
    }

    /** Any other {@code SOL_TLS} option; ENOPROTOOPT means the kernel predates {@code feature}. */
    public static IOException option(int errno, String call, KernelFeature feature) {
        if (errno == 92 && feature != null) {
            return feature.unsupported(Errno.ENOPROTOOPT, call + " answered ENOPROTOOPT");
        }
        return generic(errno, call);
    }

    /** {@code sendmsg} and {@code sendfile}. */
    public static IOException write(int errno, String call) {
        return switch (errno) {
            case 11 -> new WouldBlockException(call + " would block");
            case 74 -> new BadRecordException(call + ": the kernel refused to write the record (EBADMSG: the"
                    + " record sequence number would wrap, or the socket's TLS state is broken)");
            default -> generic(errno, call);
        };
    }

    /**
     * {@code recvmsg}.
     *
     * @param controlType called only for EIO, to peek at the type of the waiting control record (may return null)
     */
    public static IOException read(int errno, String call, Supplier<RecordType> controlType) {
        return switch (errno) {
            case 11 -> new WouldBlockException(call + " would block");
            case 74 -> new BadRecordException(call + ": a record failed authentication or is malformed"
                    + " (EBADMSG; the error is sticky)");
            case 90 -> new RecordOverflowException(call + ": a record header announces more than 2^14 bytes"
                    + " plus the cipher's overhead (EMSGSIZE; the error is sticky)");
            case 5 -> new ControlRecordException(controlType.get());
            case 127 -> new KeyExpiredException();
            case 22 -> new KtlsException(Errno.EINVAL, call + ": a record's version does not match the installed"
                    + " one, or the flags are not allowed (EINVAL)");
            default -> generic(errno, call);
        };
    }

    /** The errno as a typed exception without call-specific meaning. */
    public static IOException generic(int errno, String call) {
        if (errno == 9) { // EBADF: the fd went away under us, i.e. the channel was closed
            ClosedChannelException e = new ClosedChannelException();
            e.initCause(new ErrnoException(errno, call));
            return e;
        }
        Errno e = Errno.ofCode(errno);
        if (e == Errno.EAGAIN) {
            return new WouldBlockException(call + " would block");
        }
        return e == null ? new ErrnoException(errno, call) : new KtlsException(e, call + ": " + e.meaning());
    }

    /** The symbolic name of a Linux errno (x86-64/aarch64 numbering), or "errno N". */
    public static String name(int errno) {
        Errno e = Errno.ofCode(errno);
        if (e != null) {
            return e.name();
        }
        return switch (errno) {
            case 1 -> "EPERM";
            case 4 -> "EINTR";
            case 9 -> "EBADF";
            case 13 -> "EACCES";
            case 19 -> "ENODEV";
            case 24 -> "EMFILE";
            case 38 -> "ENOSYS";
            case 88 -> "ENOTSOCK";
            case 93 -> "EPROTONOSUPPORT";
            case 97 -> "EAFNOSUPPORT";
            case 98 -> "EADDRINUSE";
            case 99 -> "EADDRNOTAVAIL";
            case 100 -> "ENETDOWN";
            case 101 -> "ENETUNREACH";
            case 103 -> "ECONNABORTED";
            case 105 -> "ENOBUFS";
            case 108 -> "ESHUTDOWN";
            case 110 -> "ETIMEDOUT";
            case 111 -> "ECONNREFUSED";
            case 113 -> "EHOSTUNREACH";
            default -> "errno " + errno;
        };
    }
}
