package io.ktls4j.netty;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;

/** Deterministic pseudo-random payloads, written in uneven chunks and checked byte by byte. */
final class Payload {
    /** 64 MiB: the bulk each way in the interop tests (-Dktls4j.netty.bulk overrides). */
    static final long BULK = Long.getLong("ktls4j.netty.bulk", 64L << 20);

    private Payload() {
    }

    static void send(OutputStream out, long seed, long n) throws IOException {
        Random data = new Random(seed);
        Random sizes = new Random(~seed);
        byte[] b = new byte[70_000];
        for (long left = n; left > 0;) {
            int len = (int) Math.min(1 + sizes.nextInt(b.length), left);
            fill(data, b, len);
            out.write(b, 0, len);
            left -= len;
        }
        out.flush();
    }

    /** Reads exactly {@code n} bytes and checks them against the pattern; fails on a short stream. */
    static void expect(InputStream in, long seed, long n) throws IOException {
        Random data = new Random(seed);
        Random sizes = new Random(~seed);
        byte[] want = new byte[70_000];
        byte[] got = new byte[70_000];
        for (long done = 0; done < n;) {
            int len = (int) Math.min(1 + sizes.nextInt(want.length), n - done);
            fill(data, want, len);
            for (int off = 0; off < len;) {
                int r = in.read(got, off, len - off);
                if (r < 0) {
                    throw new EOFException("stream ended after " + (done + off) + " of " + n + " bytes");
                }
                off += r;
            }
            for (int i = 0; i < len; i++) {
                if (want[i] != got[i]) {
                    throw new AssertionError("byte " + (done + i) + " differs: expected " + want[i] + ", got " + got[i]);
                }
            }
            done += len;
        }
    }

    private static void fill(Random r, byte[] b, int len) {
        for (int i = 0; i < len; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8 && i + k < len; k++) {
                b[i + k] = (byte) (v >>> (8 * k));
            }
        }
    }
}
