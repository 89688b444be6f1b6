package io.ktls4j.netty;

import io.ktls4j.handshake.KtlsContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A Netty TLS server on loopback for the tests: each accepted channel becomes a {@link Peer}. */
public final class Server implements AutoCloseable {
    private final Channel listener;
    private final BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();

    public Server(Transport transport, EventLoopGroup group, KtlsContext context, boolean halfClosure,
            ChannelHandler... head) throws InterruptedException {
        this(transport, group, ctx -> new KtlsHandler(ctx), context, halfClosure, head);
    }

    public Server(Transport transport, EventLoopGroup group, Function<KtlsContext, KtlsHandler> handlers,
            KtlsContext context, boolean halfClosure, ChannelHandler... head) throws InterruptedException {
        listener = new ServerBootstrap().group(group).channel(transport.serverChannel)
                .childHandler(Peer.initializer(() -> new Peer(handlers.apply(context)), accepted::add, halfClosure,
                        head))
                .bind("127.0.0.1", 0).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The next accepted connection. */
    public Peer accept() throws InterruptedException {
        Peer p = accepted.poll(Peer.WAIT_SECONDS, TimeUnit.SECONDS);
        if (p == null) {
            throw new AssertionError("no connection accepted within " + Peer.WAIT_SECONDS + " s");
        }
        return p;
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        for (Peer p; (p = accepted.poll()) != null;) {
            p.close();
        }
    }
}
