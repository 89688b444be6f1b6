package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/** The client's side of an echo through {@code ktls proxy}: sends while it reads what comes back. */
final class EchoClient {
    private EchoClient() {
    }

    /**
     * Sends {@code sent} and ends the output (close_notify), with a KeyUpdate (update_requested) after every
     * {@code keyUpdateEvery} bytes (0: none), while reading the echo to its end into {@code received}; returns the
     * bytes read.
     */
    static long echo(KtlsConnection c, byte[] sent, int keyUpdateEvery, MessageDigest received) throws Exception {
        int step = keyUpdateEvery > 0 ? keyUpdateEvery : sent.length;
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                for (int off = 0; off < sent.length; off += step) {
                    ByteBuffer chunk = ByteBuffer.wrap(sent, off, Math.min(step, sent.length - off));
                    while (chunk.hasRemaining()) {
                        c.write(chunk);
                    }
                    if (keyUpdateEvery > 0) {
                        c.keyUpdate(true);
                    }
                }
                c.shutdownOutput();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        long total = 0;
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        for (int n = c.read(in); n >= 0; n = c.read(in)) {
            received.update(in.array(), 0, n);
            total += n;
            in.clear();
        }
        writer.join();
        return total;
    }
}
