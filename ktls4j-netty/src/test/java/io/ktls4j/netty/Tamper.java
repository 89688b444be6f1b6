package io.ktls4j.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.function.UnaryOperator;

/**
 * Sits between the TLS handler and the socket and, once armed, changes the next buffer written (a whole sealed
 * record): the way to put a bad record on the wire from an otherwise correct peer.
 */
final class Tamper extends ChannelOutboundHandlerAdapter {
    private volatile UnaryOperator<ByteBuf> next;
    private volatile int skip;

    /**
     * After {@code skip} more buffers, the next one written is replaced by what {@code change} makes of it (which
     * releases or returns it).
     */
    void arm(int skip, UnaryOperator<ByteBuf> change) {
        this.skip = skip;
        this.next = change;
    }

    /** Flips the last byte (part of the AEAD tag): the record fails authentication. */
    static ByteBuf flipLastByte(ByteBuf record) {
        int i = record.writerIndex() - 1;
        record.setByte(i, record.getByte(i) ^ 0x01);
        return record;
    }

    /** A record header announcing a 20480-byte body (more than any cipher allows), and that many bytes. */
    static ByteBuf oversizeRecord(ByteBuf record) {
        record.release();
        ByteBuf b = Unpooled.buffer(5 + 20480);
        b.writeBytes(new byte[] {23, 3, 3, (byte) (20480 >>> 8), (byte) 20480});
        b.writeZero(20480);
        return b;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        UnaryOperator<ByteBuf> change = next;
        if (change != null && msg instanceof ByteBuf b) {
            if (skip > 0) {
                skip--;
            } else {
                next = null;
                msg = change.apply(b);
            }
        }
        ctx.write(msg, promise);
    }
}
