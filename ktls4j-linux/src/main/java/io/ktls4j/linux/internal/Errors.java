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
import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.KernelFeature;
import io.ktls4j.linux.LinuxErrno;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.function.Supplier;

/**
 * The one place where a kernel errno becomes the contract's typed exception. Each entry point is a call site kind
 * (attaching the ULP, installing keys, another option, writing, reading), because the kernel reuses errnos: EIO is
 * "control record next" only on a read, ENOENT is "no tls module" only on {@code TCP_ULP}. Messages name the call
 * and the option, never key material. Errnos are compared by name: {@link Errno} for the record layer's,
 * {@link LinuxErrno} for the rest.
 */
public final class Errors {
    private static final String ULP_CALL = "setsockopt(IPPROTO_TCP, TCP_ULP, \"tls\")";

    private Errors() {
    }

    /** {@code setsockopt(TCP_ULP, "tls")}. */
    public static IOException attach(int errno) {
        return switch (Errno.ofCode(errno)) {
            // The kernel found no ULP called "tls" and could not load the module: the build and modules say why.
            case ENOENT -> KernelFeature.ULP.unsupported(Errno.ENOENT, KernelBuild.runningWhyNoTlsUlp() + " ("
                    + ULP_CALL + " answered ENOENT)");
            // tls_init refuses anything but an established connection; __tcp_set_ulp refuses listeners.
            case ENOTCONN -> new KtlsException(Errno.ENOTCONN, ULP_CALL + ": the socket is not connected (the tls ULP"
                    + " needs an established TCP connection; listening sockets are refused too)");
            case EEXIST -> new KtlsException(Errno.EEXIST, ULP_CALL + ": a ULP is already attached to this socket");
            case null, default -> generic(errno, ULP_CALL);
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
        Errno e = Errno.ofCode(errno);
        if (e == Errno.EBUSY && rekey) {
            if (version == TlsVersion.TLS_1_3 && !kernelRekeys) {
                return KernelFeature.REKEY.unsupported(Errno.EBUSY, call + " on a socket that already has "
                        + dir + " keys answered EBUSY");
            }
            return new KtlsException(Errno.EBUSY, call + ": " + dir + " keys are already installed"
                    + (version == TlsVersion.TLS_1_2 ? " and TLS 1.2 has no rekey" : ""));
        }
        if (missing != null && (e == Errno.EINVAL || e == Errno.ENOENT || e == Errno.ENOPROTOOPT
                || e == Errno.EOPNOTSUPP)) {
            return missing.unsupported(e, call + " was refused");
        }
        return switch (e) {
            case ENOPROTOOPT -> new KtlsException(Errno.ENOPROTOOPT, call + ": the tls ULP is not attached to this"
                    + " socket");
            case ENOENT -> new KtlsException(Errno.ENOENT, call + ": the kernel crypto API has no AEAD for " + cipher
                    + " (its module is not built or cannot be loaded)");
            case EINVAL -> new KtlsException(Errno.EINVAL, call + ": invalid crypto_info (unknown version or cipher,"
                    + " a wrong length, or a rekey that changes version or cipher)");
            case null, default -> generic(errno, call);
        };
    }

    /** Any other {@code SOL_TLS} option; ENOPROTOOPT means the kernel predates {@code feature}. */
    public static IOException option(int errno, String call, KernelFeature feature) {
        if (errno == Errno.ENOPROTOOPT.code() && feature != null) {
            return feature.unsupported(Errno.ENOPROTOOPT, call + " answered ENOPROTOOPT");
        }
        return generic(errno, call);
    }

    /** {@code sendmsg} and {@code sendfile}. */
    public static IOException write(int errno, String call) {
        return switch (Errno.ofCode(errno)) {
            case EAGAIN -> new WouldBlockException(call + " would block");
            case EBADMSG -> new BadRecordException(call + ": the kernel refused to write the record (EBADMSG: the"
                    + " record sequence number would wrap, or the socket's TLS state is broken)");
            // tls_sw_sendmsg accepts only MSG_MORE, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_EOR (and the splice flags)
            case EOPNOTSUPP -> new KtlsException(Errno.EOPNOTSUPP, call + ": the kernel refused a send flag with"
                    + " TLS_TX installed (MSG_OOB: records carry no urgent data; send without it)");
            case null, default -> generic(errno, call);
        };
    }

    /** {@code splice(socket → pipe)}: as a read, except that EINVAL is the kernel's answer to a control record. */
    public static IOException spliceToPipe(int errno, String call) {
        if (errno == Errno.EINVAL.code()) {
            // tls_sw_splice_read leaves the record queued; recvmsg with a control buffer reads it
            return new KtlsException(Errno.EINVAL, call + ": the next record is a control record (splice moves only"
                    + " application data; read it with receive())");
        }
        return read(errno, call, () -> null);
    }

    /** {@code pipe2}, {@code read}/{@code write} of a pipe, {@code F_SETPIPE_SZ}. */
    public static IOException pipe(int errno, String call) {
        return switch (Errno.ofCode(errno)) {
            case EPERM -> new KtlsException(Errno.EPERM, call + ": more than /proc/sys/fs/pipe-max-size for an"
                    + " unprivileged process; ask for less or raise the limit");
            case EBUSY -> new KtlsException(Errno.EBUSY, call + ": the pipe holds more than the new size; read it"
                    + " first");
            case EPIPE -> new KtlsException(Errno.EPIPE, call + ": the pipe's read end is closed");
            case null, default -> generic(errno, call);
        };
    }

    /**
     * {@code recvmsg}.
     *
     * @param controlType called only for EIO, to peek at the type of the waiting control record (may return null)
     */
    public static IOException read(int errno, String call, Supplier<RecordType> controlType) {
        return switch (Errno.ofCode(errno)) {
            case EAGAIN -> new WouldBlockException(call + " would block");
            case EBADMSG -> new BadRecordException(call + ": a record failed authentication or is malformed"
                    + " (EBADMSG; the error is sticky)");
            case EMSGSIZE -> new RecordOverflowException(call + ": a record header announces more than 2^14 bytes"
                    + " plus the cipher's overhead (EMSGSIZE; the error is sticky)");
            case EIO -> new ControlRecordException(controlType.get());
            case EKEYEXPIRED -> new KeyExpiredException();
            case EINVAL -> new KtlsException(Errno.EINVAL, call + ": a record's version does not match the installed"
                    + " one, or the flags are not allowed (EINVAL)");
            case null, default -> generic(errno, call);
        };
    }

    /** The errno as a typed exception without call-specific meaning. */
    public static IOException generic(int errno, String call) {
        if (errno == LinuxErrno.EBADF) { // the fd went away under us, i.e. the channel was closed
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
}
