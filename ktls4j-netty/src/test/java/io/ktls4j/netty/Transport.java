package io.ktls4j.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.function.Supplier;

/** The Netty transports the tests run on: NIO (software record layer only) and native epoll (kTLS TX possible). */
public enum Transport {
    NIO(NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class),
    EPOLL(EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class);

    private final Supplier<IoHandlerFactory> handler;
    public final Class<? extends ServerChannel> serverChannel;
    public final Class<? extends SocketChannel> channel;

    Transport(Supplier<IoHandlerFactory> handler, Class<? extends ServerChannel> serverChannel,
            Class<? extends SocketChannel> channel) {
        this.handler = handler;
        this.serverChannel = serverChannel;
        this.channel = channel;
    }

    /** An event loop group of {@code threads} threads for this transport. */
    public EventLoopGroup group(int threads) {
        if (this == EPOLL) {
            Epoll.ensureAvailability();
        }
        return new MultiThreadIoEventLoopGroup(threads, handler.get());
    }
}
