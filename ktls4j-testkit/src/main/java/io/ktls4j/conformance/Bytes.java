package io.ktls4j.conformance;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/** Test data as the selftests build it. */
public final class Bytes {
    private static final ThreadLocal<Random> RANDOM = ThreadLocal.withInitial(() -> new Random(0x6b746c73L));

    private Bytes() {
    }

    /** A C string as the selftests send it: the characters plus the terminating NUL ({@code strlen + 1}). */
    public static byte[] cstr(String s) {
        return Arrays.copyOf(ascii(s), s.length() + 1);
    }

    /** The characters only ({@code strlen}). */
    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code memrnd}: pseudo-random bytes (reproducible per thread). */
    public static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.get().nextBytes(b);
        return b;
    }

    public static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] r = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, r, off, p.length);
            off += p.length;
        }
        return r;
    }

    /** The bytes between position 0 and the buffer's position (what a read put there). */
    public static byte[] written(ByteBuffer b) {
        byte[] r = new byte[b.position()];
        b.duplicate().flip().get(r);
        return r;
    }

    public static byte[] hex(String hex) {
        String h = hex.replaceAll("\\s+", "");
        byte[] r = new byte[h.length() / 2];
        for (int i = 0; i < r.length; i++) {
            r[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return r;
    }
}
