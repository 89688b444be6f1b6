package io.ktls4j.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;

/** Line exchange over a ByteChannel, for tests. */
public final class Lines {
    private Lines() {
    }

    /** Writes {@code line} and a newline. */
    public static void send(ByteChannel c, String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** Reads up to a newline (not included); null at end of stream before any byte. */
    public static String receive(ByteChannel c) throws IOException {
        StringBuilder sb = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            int n = c.read(one);
            if (n < 0) {
                return sb.isEmpty() ? null : sb.toString();
            }
            if (n == 0) {
                Thread.onSpinWait();
                continue;
            }
            char ch = (char) (one.get(0) & 0xff);
            if (ch == '\n') {
                return sb.toString();
            }
            sb.append(ch);
        }
    }
}
