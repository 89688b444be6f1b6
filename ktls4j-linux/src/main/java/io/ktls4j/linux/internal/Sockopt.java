package io.ktls4j.linux.internal;

import io.ktls4j.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Socket options of the kernel backend, each in its kernel type. Key material goes through {@link #setSecret} and
 * {@link #getSecret}, which zero the native copy before the arena is freed. Results follow {@link Native}.
 */
public final class Sockopt {
    private Sockopt() {
    }

    /** A {@code getsockopt} answer: bytes (null on error) or -errno. */
    public record Bytes(byte[] value, int errno) {
    }

    /** A {@code getsockopt} answer of a {@code u64} (all 64 bits are the value), or the errno when {@code errno != 0}. */
    public record U64(long value, int errno) {
    }

    /** {@code setsockopt(fd, SOL_TCP, TCP_ULP, "tls", 4)}. */
    public static int attachUlp(int fd, String ulp) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] name = ulp.getBytes(StandardCharsets.US_ASCII);
            MemorySegment v = arena.allocate(name.length + 1L);
            MemorySegment.copy(name, 0, v, ValueLayout.JAVA_BYTE, 0, name.length);
            return Native.setsockopt(arena, fd, Native.SOL_TCP, Native.TCP_ULP, v);
        }
    }

    /** {@code setsockopt} of a secret struct; the native copy is zeroed afterwards (the caller zeroes its array). */
    public static int setSecret(int fd, int level, int name, byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(Math.max(1, value.length), 8);
            try {
                MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
                return Native.setsockopt(arena, fd, level, name, v, value.length);
            } finally {
                v.fill((byte) 0);
            }
        }
    }

    /** {@code getsockopt} of {@code len} bytes that may hold secrets; the native copy is zeroed afterwards. */
    public static Bytes getSecret(int fd, int level, int name, int len) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(len, 8);
            try {
                int r = Native.getsockopt(arena, fd, level, name, v);
                if (r < 0) {
                    return new Bytes(null, -r);
                }
                return new Bytes(v.asSlice(0, Math.min(r, len)).toArray(ValueLayout.JAVA_BYTE), 0);
            } finally {
                v.fill((byte) 0);
            }
        }
    }

    /** {@code setsockopt} of an {@code int}. */
    public static int setInt(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, value);
            return Native.setsockopt(arena, fd, level, name, v);
        }
    }

    /** {@code setsockopt} of a {@code u16}. */
    public static int setU16(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_SHORT);
            v.set(ValueLayout.JAVA_SHORT, 0, (short) value);
            return Native.setsockopt(arena, fd, level, name, v);
        }
    }

    /** {@code getsockopt} of an {@code int} ({@code size == 4}) or a {@code u16} ({@code size == 2}): value or -errno. */
    public static long getUnsigned(int fd, int level, int name, int size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(4, 4);
            MemorySegment arg = v.asSlice(0, size);
            int r = Native.getsockopt(arena, fd, level, name, arg);
            if (r < 0) {
                return r;
            }
            return size == 2 ? Short.toUnsignedLong(v.get(ValueLayout.JAVA_SHORT, 0))
                    : Integer.toUnsignedLong(v.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /** {@code getsockopt} of a {@code u64} (e.g. {@code SO_COOKIE}); a shorter answer is EINVAL. */
    public static U64 getU64(int fd, int level, int name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            int r = Native.getsockopt(arena, fd, level, name, v);
            if (r < 0) {
                return new U64(0, -r);
            }
            return r == Long.BYTES ? new U64(v.get(ValueLayout.JAVA_LONG, 0), 0) : new U64(0, Errno.EINVAL.code());
        }
    }
}
