package io.ktls4j.netty;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;

/** Deterministic pseudo-random payloads, written in uneven chunks and checked byte by byte. */
public final class Payload {
    /** 64 MiB: the bulk each way in the interop tests (-Dktls4j.netty.bulk overrides). */
    public static final long BULK = Long.getLong("ktls4j.netty.bulk", 64L << 20);

    private Payload() {
    }

    public static void send(OutputStream out, long seed, long n) throws IOException {
        send(out, seed, n, false);
    }

    public static void expect(InputStream in, long seed, long n) throws IOException {
        expect(in, seed, n, false);
    }

    /** Like {@link #send(OutputStream, long, long)}; {@code text}: printable lines of 64 bytes (for echo servers). */
    public static void send(OutputStream out, long seed, long n, boolean text) throws IOException {
        Random data = new Random(seed);
        Random sizes = new Random(~seed);
        byte[] b = new byte[70_000];
        for (long left = n; left > 0;) {
            int len = (int) Math.min(1 + sizes.nextInt(b.length), left);
            fill(data, b, len, n - left, text);
            out.write(b, 0, len);
            left -= len;
        }
        out.flush();
    }

    /** Reads exactly {@code n} bytes and checks them against the pattern; fails on a short stream. */
    public static void expect(InputStream in, long seed, long n, boolean text) throws IOException {
        Random data = new Random(seed);
        Random sizes = new Random(~seed);
        byte[] want = new byte[70_000];
        byte[] got = new byte[70_000];
        for (long done = 0; done < n;) {
            int len = (int) Math.min(1 + sizes.nextInt(want.length), n - done);
            fill(data, want, len, done, text);
            for (int off = 0; off < len;) {
                int r = in.read(got, off, len - off);
                if (r < 0) {
                    throw new EOFException("stream ended after " + (done + off) + " of " + n + " bytes");
                }
                off += r;
            }
            for (int i = 0; i < len; i++) {
                if (want[i] != got[i]) {
                    throw new AssertionError("byte " + (done + i) + " differs: expected " + want[i] + ", got "
                            + got[i]);
                }
            }
            done += len;
        }
    }

    private static void fill(Random r, byte[] b, int len, long offset, boolean text) {
        for (int i = 0; i < len; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8 && i + k < len; k++) {
                byte x = (byte) (v >>> (8 * k));
                if (text) {
                    x = (offset + i + k) % 64 == 63 ? (byte) '\n' : (byte) ('a' + (x & 0xff) % 26);
                }
                b[i + k] = x;
            }
        }
    }
}
