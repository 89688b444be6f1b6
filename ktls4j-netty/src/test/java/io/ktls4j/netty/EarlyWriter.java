package io.ktls4j.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Writes its bytes through the whole pipeline at channelActive; placed before the TLS handler, it does so before that
 * handler has started its handshake.
 */
final class EarlyWriter extends ChannelInboundHandlerAdapter {
    private final byte[] bytes;

    EarlyWriter(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.pipeline().writeAndFlush(Unpooled.wrappedBuffer(bytes));
        ctx.fireChannelActive();
    }
}
