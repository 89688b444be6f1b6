package io.ktls4j.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Random;

/**
 * Hands the bytes a channel reads to the next handler in small pieces: one byte at a time, or random sizes of 1 to
 * 100 bytes, so the TLS handler sees every record split at every possible place.
 */
final class Dribbler extends ChannelInboundHandlerAdapter {
    private final Random random;
    private final int max;

    private Dribbler(long seed, int max) {
        this.random = new Random(seed);
        this.max = max;
    }

    static Dribbler oneByte() {
        return new Dribbler(0, 1);
    }

    static Dribbler random(long seed) {
        return new Dribbler(seed, 100);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            while (in.isReadable()) {
                int n = Math.min(in.readableBytes(), 1 + random.nextInt(max));
                ctx.fireChannelRead(in.readRetainedSlice(n));
            }
        } finally {
            in.release();
        }
    }
}
