package io.ktls4j.netty;

import io.ktls4j.handshake.KtlsContext;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One end of a connection in a Netty pipeline for the tests: {@link KtlsHandler} and, after it, a recorder of what
 * reaches the application (plaintext into an {@link Inbox}, user events, exceptions), with a blocking
 * {@link OutputStream} that honours the channel's writability.
 */
public final class Peer implements AutoCloseable {
    public static final long WAIT_SECONDS = 120;

    public final KtlsHandler tls;
    public final Inbox inbox = new Inbox(WAIT_SECONDS);
    public final List<Object> events = new CopyOnWriteArrayList<>();
    public final List<Throwable> exceptions = new CopyOnWriteArrayList<>();
    public final CompletableFuture<KtlsHandshakeCompletionEvent> handshake = new CompletableFuture<>();
    public final CompletableFuture<Void> closed = new CompletableFuture<>();
    public volatile Channel channel;

    public Peer(KtlsHandler tls) {
        this.tls = tls;
    }

    /** The pipeline of an accepted or connecting channel: {@code head} handlers, then TLS, then the recorder. */
    public static ChannelInitializer<SocketChannel> initializer(java.util.function.Supplier<Peer> peers,
            Consumer<Peer> accepted, boolean halfClosure, ChannelHandler... head) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                Peer p = peers.get();
                p.channel = ch;
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure);
                ch.pipeline().addLast(head);
                ch.pipeline().addLast("tls", p.tls).addLast("recorder", p.recorder());
                accepted.accept(p);
            }
        };
    }

    /** A client connected to {@code port} on loopback; its handshake starts at once. */
    public static Peer connect(Transport transport, EventLoopGroup group, KtlsContext context, String host, int port,
            boolean halfClosure, ChannelHandler... head) throws Exception {
        CompletableFuture<Peer> made = new CompletableFuture<>();
        ChannelFuture f = new Bootstrap().group(group).channel(transport.channel)
                .handler(initializer(() -> new Peer(new KtlsHandler(context, host, port)), made::complete, halfClosure,
                        head))
                .connect("127.0.0.1", port);
        if (!f.await(WAIT_SECONDS, TimeUnit.SECONDS) || !f.isSuccess()) {
            throw new IOException("connect failed", f.cause());
        }
        return made.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private ChannelHandler recorder() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                try {
                    inbox.add(ctx.channel(), b);
                } finally {
                    b.release();
                }
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
                if (evt instanceof KtlsHandshakeCompletionEvent e) {
                    handshake.complete(e);
                }
                if (evt instanceof io.netty.handler.ssl.SslCloseCompletionEvent
                        || evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                    inbox.end();
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                exceptions.add(cause);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                inbox.end();
                handshake.complete(null);
                closed.complete(null);
            }
        };
    }

    /** Waits for the handshake; fails with its cause (and the exceptions seen) when it failed. */
    public KtlsSession awaitHandshake() throws Exception {
        KtlsHandshakeCompletionEvent e = handshake.get(WAIT_SECONDS, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("the channel closed before the handshake completed; exceptions: " + exceptions);
        }
        if (!e.isSuccess()) {
            throw new AssertionError("handshake failed: " + e.cause(), e.cause());
        }
        return e.session();
    }

    /** The failed handshake's cause. */
    public Throwable awaitHandshakeFailure() throws Exception {
        KtlsHandshakeCompletionEvent e = handshake.get(WAIT_SECONDS, TimeUnit.SECONDS);
        if (e == null || e.isSuccess()) {
            throw new AssertionError("expected a failed handshake, got " + e);
        }
        return e.cause();
    }

    public void awaitClosed() throws Exception {
        closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Waits until {@code event} has reached the application. The inbox ends at the first of close_notify and the
     * input's shutdown, so an event fired right after that one may still be on the event loop.
     */
    public void awaitEvent(Object event) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!events.contains(event)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no " + event + " within " + WAIT_SECONDS + " s; events: " + events);
            }
            Thread.sleep(5);
        }
    }

    /** Waits until {@code exceptions} holds {@code n} exceptions. */
    public void awaitExceptions(int n) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(WAIT_SECONDS).toNanos();
        while (exceptions.size() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("expected " + n + " exceptions, got " + exceptions);
            }
            Thread.sleep(5);
        }
    }

    /** Writes and flushes; waits for the write when the channel is not writable (back-pressure). */
    public void write(byte[] b, int off, int len) throws IOException {
        ChannelFuture f = channel.writeAndFlush(Unpooled.wrappedBuffer(b.clone(), off, len));
        if (!channel.isWritable()) {
            try {
                if (!f.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("a write did not complete within " + WAIT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        if (f.isDone() && !f.isSuccess()) {
            throw new IOException("write failed", f.cause());
        }
    }

    public void write(String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        write(b, 0, b.length);
    }

    public OutputStream out() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                Peer.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Peer.this.write(b, off, len);
            }
        };
    }

    @Override
    public void close() {
        Channel c = channel;
        if (c != null) {
            c.close().awaitUninterruptibly(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }
}
