package io.ktls4j.linux.internal;

import static io.ktls4j.linux.internal.Native.CMSG_LEN_FIELD;
import static io.ktls4j.linux.internal.Native.CMSG_LEVEL;
import static io.ktls4j.linux.internal.Native.CMSG_TYPE;
import static io.ktls4j.linux.internal.Native.IOVEC;
import static io.ktls4j.linux.internal.Native.IOV_BASE;
import static io.ktls4j.linux.internal.Native.IOV_LEN;
import static io.ktls4j.linux.internal.Native.MSGHDR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/**
 * {@code sendmsg}/{@code recvmsg} over {@link ByteBuffer}s: builds the {@code msghdr}, its {@code iovec}s and the
 * {@code TLS_SET_RECORD_TYPE}/{@code TLS_GET_RECORD_TYPE} control message in a confined arena that lives for the one
 * call. Direct buffers are passed to the kernel in place ({@link MemorySegment#ofBuffer}); heap buffers are copied
 * through the arena. Buffer positions advance by the bytes moved. Results follow {@link Native}: bytes, or -errno.
 */
public final class MsgIo {
    /** The kernel's {@code UIO_MAXIOV}: at most this many iovecs per call. */
    public static final int IOV_MAX = 1024;

    private MsgIo() {
    }

    /** What {@code recvmsg} returned: bytes (or -errno), the record type from the cmsg (or -1), and msg_flags. */
    public record Received(long result, int recordType, int msgFlags) {
    }

    /** Sum of the remaining bytes. */
    public static long remaining(ByteBuffer[] buffers) {
        long n = 0;
        for (ByteBuffer b : buffers) {
            n += b.remaining();
        }
        return n;
    }

    /**
     * {@code sendmsg} of up to {@code limit} bytes from {@code srcs}, with a {@code TLS_SET_RECORD_TYPE} cmsg when
     * {@code recordType >= 0}.
     */
    public static long send(int fd, ByteBuffer[] srcs, int flags, int recordType, long limit) {
        try (Arena arena = Arena.ofConfined()) {
            int n = Math.min(srcs.length, IOV_MAX);
            MemorySegment iovs = arena.allocate(IOVEC, Math.max(1, n));
            long left = limit;
            int used = 0;
            for (int i = 0; i < n && (left > 0 || used == 0); i++) {
                ByteBuffer b = srcs[i];
                int len = (int) Math.min(b.remaining(), left);
                MemorySegment seg;
                if (b.isDirect()) {
                    seg = MemorySegment.ofBuffer(b);
                } else {
                    seg = arena.allocate(Math.max(1, len));
                    MemorySegment.copy(MemorySegment.ofBuffer(b), 0, seg, 0, len);
                }
                IOV_BASE.set(iovs, i * IOVEC.byteSize(), seg);
                IOV_LEN.set(iovs, i * IOVEC.byteSize(), (long) len);
                left -= len;
                used = i + 1;
            }
            MemorySegment msg = msghdr(arena, iovs, used);
            if (recordType >= 0) {
                MemorySegment ctl = arena.allocate(Native.cmsgSpace(1), 8);
                CMSG_LEN_FIELD.set(ctl, 0L, Native.cmsgLen(1));
                CMSG_LEVEL.set(ctl, 0L, Native.SOL_TLS);
                CMSG_TYPE.set(ctl, 0L, Native.TLS_SET_RECORD_TYPE);
                ctl.set(ValueLayout.JAVA_BYTE, Native.cmsgDataOffset(), (byte) recordType);
                Native.MSG_CONTROL.set(msg, 0L, ctl);
                Native.MSG_CONTROLLEN.set(msg, 0L, Native.cmsgLen(1));
            }
            long r = Native.sendmsg(arena, fd, msg, flags | Native.MSG_NOSIGNAL);
            if (r > 0) {
                advance(srcs, r);
            }
            Reference.reachabilityFence(srcs);
            return r;
        }
    }

    /**
     * {@code recvmsg} into {@code dsts} (at most {@code limit} bytes), with a {@code CMSG_SPACE(1)} control buffer when
     * {@code control} is true.
     */
    public static Received receive(int fd, ByteBuffer[] dsts, int flags, boolean control, long limit) {
        for (ByteBuffer b : dsts) {
            if (b.isReadOnly()) {
                throw new ReadOnlyBufferException();
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            int n = Math.min(dsts.length, IOV_MAX);
            MemorySegment iovs = arena.allocate(IOVEC, Math.max(1, n));
            MemorySegment[] staging = new MemorySegment[n];
            long left = limit;
            int used = 0;
            for (int i = 0; i < n && (left > 0 || used == 0); i++) {
                ByteBuffer b = dsts[i];
                int len = (int) Math.min(b.remaining(), left);
                MemorySegment seg = b.isDirect() ? MemorySegment.ofBuffer(b) : arena.allocate(Math.max(1, len));
                staging[i] = b.isDirect() ? null : seg;
                IOV_BASE.set(iovs, i * IOVEC.byteSize(), seg);
                IOV_LEN.set(iovs, i * IOVEC.byteSize(), (long) len);
                left -= len;
                used = i + 1;
            }
            MemorySegment msg = msghdr(arena, iovs, used);
            MemorySegment ctl = null;
            if (control) {
                ctl = arena.allocate(Native.cmsgSpace(1), 8);
                Native.MSG_CONTROL.set(msg, 0L, ctl);
                Native.MSG_CONTROLLEN.set(msg, 0L, Native.cmsgSpace(1));
            }
            long r = Native.recvmsg(arena, fd, msg, flags);
            int type = -1;
            int msgFlags = (int) Native.MSG_FLAGS.get(msg, 0L);
            if (r >= 0 && ctl != null && (long) Native.MSG_CONTROLLEN.get(msg, 0L) >= Native.cmsgLen(1)
                    && (int) CMSG_LEVEL.get(ctl, 0L) == Native.SOL_TLS
                    && (int) CMSG_TYPE.get(ctl, 0L) == Native.TLS_GET_RECORD_TYPE) {
                type = Byte.toUnsignedInt(ctl.get(ValueLayout.JAVA_BYTE, Native.cmsgDataOffset()));
            }
            if (r > 0) {
                long copied = 0;
                for (int i = 0; i < used && copied < r; i++) {
                    ByteBuffer b = dsts[i];
                    int len = (int) Math.min((long) IOV_LEN.get(iovs, i * IOVEC.byteSize()), r - copied);
                    if (staging[i] != null) {
                        MemorySegment.copy(staging[i], 0, MemorySegment.ofBuffer(b), 0, len);
                    }
                    b.position(b.position() + len);
                    copied += len;
                }
            }
            Reference.reachabilityFence(dsts);
            return new Received(r, type, msgFlags);
        }
    }

    private static MemorySegment msghdr(Arena arena, MemorySegment iovs, int count) {
        MemorySegment msg = arena.allocate(MSGHDR); // zeroed: no name, no control, flags 0
        Native.MSG_IOV.set(msg, 0L, iovs);
        Native.MSG_IOVLEN.set(msg, 0L, (long) count);
        return msg;
    }

    private static void advance(ByteBuffer[] bufs, long n) {
        for (ByteBuffer b : bufs) {
            if (n <= 0) {
                return;
            }
            int step = (int) Math.min(b.remaining(), n);
            b.position(b.position() + step);
            n -= step;
        }
    }
}
