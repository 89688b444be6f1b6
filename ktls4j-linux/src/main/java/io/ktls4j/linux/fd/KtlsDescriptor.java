package io.ktls4j.linux.fd;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.FallbackDecision;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.FallbackCounters;
import io.ktls4j.linux.internal.MsgIo;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Sockopt;
import io.ktls4j.linux.internal.UnixSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The kernel's TLS ULP on a raw TCP socket descriptor that another I/O layer owns (an event-loop library's channel,
 * a descriptor received over a Unix socket): the calls {@link io.ktls4j.linux.KernelKtlsSocket} makes, one syscall
 * each, with the same typed errors, for code that has a descriptor but no {@link java.nio.channels.SocketChannel}.
 *
 * <p>Every call is non-blocking ({@code MSG_DONTWAIT}): EAGAIN is {@link WouldBlockException}, and waiting is the
 * owner's business. The caller keeps {@code fd} open and valid for the duration of each call.
 */
public final class KtlsDescriptor {
    private KtlsDescriptor() {
    }

    /**
     * Counts a direction the caller placed on a descriptor itself in {@link io.ktls4j.linux.FallbackStatistics}, as
     * {@link io.ktls4j.linux.Ktls#attach} counts its own, so an application sees one set of counters whichever layer
     * placed its connections.
     *
     * @param reasonKey what a fallback is counted under: the same keys {@code Ktls.attach} uses (the missing
     *     feature's title, the errno's name, or "no kTLS"); ignored unless {@code d} fell back
     */
    public static void countPlacement(FallbackDecision d, String reasonKey) {
        FallbackCounters.record(d, reasonKey);
    }

    /**
     * {@code setsockopt(IPPROTO_TCP, TCP_ULP, "tls")}.
     *
     * @throws io.ktls4j.KernelFeatureException when the kernel has no kTLS (ENOENT)
     * @throws KtlsException ENOTCONN for a socket that is not an established connection, EEXIST for a second ULP
     */
    public static void attachUlp(int fd) throws IOException {
        if (!Native.isUsable()) {
            throw new KtlsException(Errno.EOPNOTSUPP, Native.unavailabilityCause());
        }
        int r = Sockopt.attachUlp(fd, "tls");
        if (r < 0) {
            throw Errors.attach(-r);
        }
    }

    /** {@code getsockopt(IPPROTO_TCP, TCP_ULP)}: the attached ULP's name, "" for none. */
    public static String ulp(int fd) throws IOException {
        String name = UnixSockets.ulpName(fd);
        if (name == null) {
            throw new IOException("getsockopt(IPPROTO_TCP, TCP_ULP) failed on descriptor " + fd + " (not a TCP socket?)");
        }
        return name;
    }

    /**
     * {@code setsockopt(SOL_TLS, TLS_TX|TLS_RX, crypto_info)}: the struct's bytes are zeroed after the call;
     * {@code info} stays the caller's.
     *
     * @param rekey true when {@code direction} has a key already (a TLS 1.3 KeyUpdate: Linux 6.14)
     */
    public static void install(int fd, Direction direction, CryptoInfo info, boolean rekey) throws IOException {
        byte[] struct = info.toBytes();
        try {
            int r = Sockopt.setSecret(fd, Native.SOL_TLS, direction.optname(), struct);
            if (r < 0) {
                throw Errors.install(-r, direction, info.version(), info.cipher(), rekey, KernelTls.supportsRekey(),
                        null);
            }
        } finally {
            Arrays.fill(struct, (byte) 0);
        }
    }

    /**
     * {@code sendmsg} of one record of {@code type} ({@code TLS_SET_RECORD_TYPE}) with {@code MSG_DONTWAIT}. Returns
     * the bytes taken (all of {@code data} unless the socket filled up part way).
     */
    public static int sendControl(int fd, RecordType type, ByteBuffer data) throws IOException {
        long n = MsgIo.send(fd, new ByteBuffer[] {data}, Native.MSG_DONTWAIT, type.value(), data.remaining());
        if (n == -Errno.EAGAIN.code()) {
            throw new WouldBlockException("the socket's send buffer is full");
        }
        if (n < 0) {
            throw Errors.write((int) -n, "sendmsg(" + type + " record)");
        }
        return (int) n;
    }

    /**
     * {@code recvmsg} with a control buffer and {@code MSG_DONTWAIT}: the bytes of one or more records of one type
     * and that type ({@code TLS_GET_RECORD_TYPE}; application data when the RX key is not installed yet). End of
     * stream is {@code bytes == -1}; an end of stream inside a record is EPROTO, as on
     * {@link io.ktls4j.linux.KernelKtlsSocket}.
     *
     * @throws WouldBlockException when no whole record is there yet
     * @throws io.ktls4j.BadRecordException and the other record errors of the kernel, typed
     */
    public static Received receive(int fd, ByteBuffer dst) throws IOException {
        long want = dst.remaining();
        MsgIo.Received r = MsgIo.receive(fd, new ByteBuffer[] {dst}, Native.MSG_DONTWAIT, true, want);
        if (r.result() == -Errno.EAGAIN.code()) {
            throw new WouldBlockException("no whole record has arrived yet");
        }
        if (r.result() < 0) {
            int errno = (int) -r.result();
            throw Errors.read(errno, "recvmsg", () -> null);
        }
        RecordType type = r.recordType() >= 0 ? RecordType.of(r.recordType()) : null;
        if (r.result() == 0 && type == null && want > 0) {
            try (Arena arena = Arena.ofConfined()) {
                int inq = Native.ioctlInt(arena, fd, Native.SIOCINQ);
                if (inq > 0) {
                    throw new KtlsException(Errno.EPROTO, "recvmsg: the stream ended inside a record (" + inq
                            + " bytes of an incomplete record are left)");
                }
            }
            return new Received(-1, null);
        }
        return new Received(r.result(), type == null ? RecordType.APPLICATION_DATA : type);
    }
}
