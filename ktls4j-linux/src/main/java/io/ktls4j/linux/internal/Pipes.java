package io.ktls4j.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Pipes and {@code splice(2)}: {@code pipe2}, {@code read}/{@code write} of a pipe end from a {@link ByteBuffer},
 * {@code FIONREAD}, {@code F_GETPIPE_SZ}/{@code F_SETPIPE_SZ}. Results follow {@link Native}: {@code >= 0} or
 * {@code -errno}.
 */
public final class Pipes {
    private Pipes() {
    }

    /** {@code pipe2(O_CLOEXEC)}: {read end, write end}, or {@code {-errno}}. */
    public static int[] open() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            int r = Native.pipe2(arena, fds, Descriptors.O_CLOEXEC);
            if (r < 0) {
                return new int[] {r};
            }
            return new int[] {fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1)};
        }
    }

    /** {@code read(fd)} into {@code dst}'s remaining bytes; advances its position by the count read. */
    public static long read(int fd, ByteBuffer dst) {
        int len = dst.remaining();
        if (len == 0) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = dst.isDirect() ? MemorySegment.ofBuffer(dst) : arena.allocate(len);
            long r = Native.read(arena, fd, buf);
            if (r > 0) {
                if (!dst.isDirect()) {
                    MemorySegment.copy(buf, 0, MemorySegment.ofBuffer(dst), 0, r);
                    buf.fill((byte) 0); // plaintext in native memory: cleared before it is freed
                }
                dst.position(dst.position() + (int) r);
            }
            return r;
        }
    }

    /** {@code write(fd)} of {@code src}'s remaining bytes; advances its position by the count written. */
    public static long write(int fd, ByteBuffer src) {
        int len = src.remaining();
        if (len == 0) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf;
            if (src.isDirect()) {
                buf = MemorySegment.ofBuffer(src);
            } else {
                buf = arena.allocate(len);
                MemorySegment.copy(MemorySegment.ofBuffer(src), 0, buf, 0, len);
            }
            long r = Native.write(arena, fd, buf);
            if (!src.isDirect()) {
                buf.fill((byte) 0);
            }
            if (r > 0) {
                src.position(src.position() + (int) r);
            }
            return r;
        }
    }

    /** {@code ioctl(FIONREAD)}: the bytes in the pipe, or -errno. */
    public static int available(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.ioctlInt(arena, fd, Native.FIONREAD);
        }
    }

    /** {@code fcntl(F_GETPIPE_SZ)}: the pipe's capacity, or -errno. */
    public static int capacity(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.fcntl(arena, fd, Native.F_GETPIPE_SZ, 0);
        }
    }

    /** {@code fcntl(F_SETPIPE_SZ, bytes)}: the capacity granted, or -errno. */
    public static int setCapacity(int fd, int bytes) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.fcntl(arena, fd, Native.F_SETPIPE_SZ, bytes);
        }
    }

    /** {@code splice(in → out, len, flags)}: the bytes moved, 0 at end of input, or -errno. */
    public static long splice(int in, int out, long len, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.splice(arena, in, out, len, flags);
        }
    }
}
