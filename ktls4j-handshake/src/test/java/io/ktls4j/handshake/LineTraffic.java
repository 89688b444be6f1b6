package io.ktls4j.handshake;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Random;

/**
 * Line-oriented traffic for {@code openssl s_server -rev}, which answers every line with the line reversed: lines of
 * 1..4000 random printable characters, about {@code total} bytes in all.
 */
final class LineTraffic {
    private LineTraffic() {
    }

    private static byte[] line(Random r) {
        byte[] b = new byte[1 + r.nextInt(4000) + 1];
        for (int i = 0; i < b.length - 1; i++) {
            b[i] = (byte) (0x21 + r.nextInt(0x7e - 0x21 + 1));
        }
        b[b.length - 1] = '\n';
        return b;
    }

    /** Writes the lines, one write per line; returns the number of lines. */
    static long send(WritableByteChannel ch, long seed, long total) throws IOException {
        Random r = new Random(seed);
        long lines = 0;
        for (long sent = 0; sent < total; lines++) {
            byte[] l = line(r);
            ByteBuffer b = ByteBuffer.wrap(l);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            sent += l.length;
        }
        return lines;
    }

    /** Reads the reversed lines and checks them; returns the byte count. */
    static long expectReversed(ReadableByteChannel ch, long seed, long total) throws IOException {
        return expect(ch, seed, total, true);
    }

    /** Reads the lines echoed unchanged ({@code gnutls-serv --echo}) and checks them; returns the byte count. */
    static long expectEchoed(ReadableByteChannel ch, long seed, long total) throws IOException {
        return expect(ch, seed, total, false);
    }

    private static long expect(ReadableByteChannel ch, long seed, long total, boolean reversed) throws IOException {
        Random r = new Random(seed);
        long got = 0;
        while (got < total) {
            byte[] l = line(r);
            ByteBuffer in = ByteBuffer.allocate(l.length);
            while (in.hasRemaining()) {
                if (ch.read(in) < 0) {
                    throw new java.io.EOFException("stream ended after " + (got + in.position()) + " bytes");
                }
            }
            for (int i = 0; i < l.length - 1; i++) {
                if (in.get(i) != l[reversed ? l.length - 2 - i : i]) {
                    throw new AssertionError("line differs at byte " + (got + i));
                }
            }
            if (in.get(l.length - 1) != '\n') {
                throw new AssertionError("line not terminated at byte " + (got + l.length - 1));
            }
            got += l.length;
        }
        return got;
    }
}
