package io.ktls4j.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.util.Random;

/**
 * A peer in memory, for the fuzz targets: reads return the given input in pieces of the sizes a seeded
 * {@link Random} picks (1 to {@code maxRead} bytes; the whole remainder when {@code maxRead} is 0), then -1 (the
 * peer's FIN); writes are collected. Never blocks, so a parser over it cannot hang waiting for input.
 */
final class ChunkedChannel implements ByteChannel {
    private final byte[] input;
    private final Random sizes;
    private final int maxRead;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private int position;
    private boolean open = true;

    /** @param maxRead the largest piece a read returns; 0 for as much as the reader's buffer takes */
    ChunkedChannel(byte[] input, int maxRead, long seed) {
        this.input = input;
        this.maxRead = maxRead;
        this.sizes = new Random(seed);
    }

    @Override
    public int read(ByteBuffer dst) throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (position == input.length) {
            return -1;
        }
        int n = Math.min(input.length - position, dst.remaining());
        if (maxRead > 0) {
            n = Math.min(n, 1 + sizes.nextInt(maxRead));
        }
        dst.put(input, position, n);
        position += n;
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        byte[] b = new byte[n];
        src.get(b);
        written.write(b, 0, n);
        return n;
    }

    /** Everything written so far. */
    byte[] written() {
        return written.toByteArray();
    }

    /** Input bytes read so far. */
    int consumed() {
        return position;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
