package io.ktls4j.http;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.util.function.LongConsumer;

/** Decodes the chunked transfer coding (RFC 9112 7.1) of a response body. */
final class ChunkedBody {
    private final HttpClientConnection in;

    ChunkedBody(HttpClientConnection in) {
        this.in = in;
    }

    long copy(WritableByteChannel sink, LongConsumer progress) throws IOException {
        long total = 0;
        while (true) {
            String line = in.readLine();
            int semi = line.indexOf(';');
            String hex = (semi < 0 ? line : line.substring(0, semi)).strip();
            long size;
            try {
                size = Long.parseUnsignedLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line");
            }
            if (hex.isEmpty() || hex.length() > 15) {
                throw new IOException("bad chunk size line");
            }
            if (size == 0) {
                while (!in.readLine().isEmpty()) {
                    // trailer fields are read and dropped
                }
                return total;
            }
            total += in.copy(size, true, sink, progress, total);
            if (!in.readLine().isEmpty()) {
                throw new IOException("a chunk is not followed by CRLF");
            }
        }
    }
}
