package io.ktls4j.bench.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The JSSE comparison server of {@code http-compare.sh}: a static-file HTTPS server on Netty with the JDK's own TLS
 * ({@link SslProvider#JDK}, i.e. {@code SSLEngine}), HTTP/1.1 keep-alive, GET and HEAD of the regular files under one
 * directory. TLS 1.3 with TLS_AES_128_GCM_SHA256 only.
 *
 * <p>Written to be a fair opponent, not a strawman: epoll transport (NIO where epoll is missing), one event loop per
 * core, files up to 64 KiB read whole and answered with head and body in one write (one TLS record), larger files
 * streamed by {@link ChunkedNioFile} in 64 KiB reads through {@link SslHandler} (16 KiB records), 128/512 KiB write
 * watermarks so the stream is not throttled by Netty's 32/64 KiB defaults. No access log.
 *
 * <pre>java -cp ktls4j-bench/target/benchmarks.jar io.ktls4j.bench.http.JsseFileServer \
 *     --port 9445 --cert cert.pem --key key.pem --root DIR [--threads N] [--bind 127.0.0.1] [--tls12 SUITE]</pre>
 */
public final class JsseFileServer {
    static final int SMALL_FILE = 64 << 10;
    static final int CHUNK = 64 << 10;
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private JsseFileServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = 9445;
        String bind = "127.0.0.1";
        File cert = null;
        File key = null;
        Path root = null;
        int threads = Runtime.getRuntime().availableProcessors();
        String tls12Suite = null; // --tls12 SUITE: TLS 1.2 with that one suite as well
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(v);
                case "--bind" -> bind = v;
                case "--cert" -> cert = new File(v);
                case "--key" -> key = new File(v);
                case "--root" -> root = Path.of(v).toRealPath();
                case "--threads" -> threads = Integer.parseInt(v);
                case "--tls12" -> tls12Suite = v;
                default -> usage("unknown argument " + args[i]);
            }
            i++;
        }
        if (cert == null || key == null || root == null) {
            usage("--cert, --key and --root are required");
        }
        SslContext ssl = SslContextBuilder.forServer(cert, key)
                .sslProvider(SslProvider.JDK)
                .protocols(tls12Suite == null ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"})
                .ciphers(tls12Suite == null ? List.of("TLS_AES_128_GCM_SHA256")
                        : List.of("TLS_AES_128_GCM_SHA256", tls12Suite))
                .build();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, io);
        Path docRoot = root;
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(128 << 10, 512 << 10))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            p.addLast(ssl.newHandler(ch.alloc()));
                            p.addLast(new HttpServerCodec());
                            p.addLast(new ChunkedWriteHandler());
                            p.addLast(new FileHandler(docRoot));
                        }
                    });
            Channel server = b.bind(new InetSocketAddress(bind, port)).sync().channel();
            System.out.println("JsseFileServer: " + docRoot + " on https://" + bind + ":" + port + "/ ("
                    + (epoll ? "epoll" : "nio") + ", " + threads + " event loops, " + Runtime.version() + ", "
                    + ssl.cipherSuites() + ")");
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }

    private static void usage(String why) {
        System.err.println("JsseFileServer: " + why);
        System.err.println("usage: JsseFileServer --port P --cert PEM --key PEM --root DIR [--threads N] [--bind ADDR] "
                + "[--tls12 SUITE]");
        System.exit(2);
    }

    /** GET and HEAD of regular files under the root; everything else 404/405/400. */
    static final class FileHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final Path root;

        FileHandler(Path root) {
            this.root = root;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws IOException {
            if (!(msg instanceof HttpRequest request)) {
                return; // request bodies (HttpContent) are dropped
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (request.decoderResult().isFailure()) {
                error(ctx, HttpResponseStatus.BAD_REQUEST, false);
                return;
            }
            boolean head = request.method().equals(HttpMethod.HEAD);
            if (!head && !request.method().equals(HttpMethod.GET)) {
                error(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, keepAlive);
                return;
            }
            Path file = resolve(new QueryStringDecoder(request.uri()).path());
            BasicFileAttributes attrs = null;
            if (file != null) {
                try {
                    attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    attrs = null;
                }
            }
            if (attrs == null || !attrs.isRegularFile()) {
                error(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
                return;
            }
            long size = attrs.size();
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            boolean owned = true;
            try {
                HttpResponse response;
                if (!head && size <= SMALL_FILE) {
                    ByteBuf body = ctx.alloc().buffer((int) size);
                    try {
                        ByteBuffer nio = body.nioBuffer(0, (int) size);
                        while (nio.hasRemaining()) {
                            if (channel.read(nio, nio.position()) < 0) {
                                throw new IOException(file + " shrank while it was read");
                            }
                        }
                        body.writerIndex((int) size);
                    } catch (IOException | RuntimeException e) {
                        body.release();
                        throw e;
                    }
                    response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                } else {
                    response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                }
                HttpHeaders h = response.headers();
                h.set(HttpHeaderNames.SERVER, "netty-jsse");
                h.set(HttpHeaderNames.DATE, HTTP_DATE.format(java.time.Instant.now()));
                h.set(HttpHeaderNames.LAST_MODIFIED, HTTP_DATE.format(attrs.lastModifiedTime().toInstant()));
                h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
                h.set(HttpHeaderNames.CONTENT_LENGTH, size);
                if (!keepAlive) {
                    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
                ChannelFuture last;
                if (response instanceof FullHttpResponse) {
                    last = ctx.writeAndFlush(response);
                } else if (head) {
                    ctx.write(response);
                    last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                } else {
                    ctx.write(response);
                    owned = false; // the chunked input closes the file channel when it is done
                    last = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(channel, 0, size, CHUNK)));
                }
                if (!keepAlive) {
                    last.addListener(ChannelFutureListener.CLOSE);
                }
            } finally {
                if (owned) {
                    channel.close();
                }
            }
        }

        /** Maps a decoded URL path under the root; null for anything that would leave it. */
        private Path resolve(String path) {
            if (!path.startsWith("/") || path.contains("\0")) {
                return null;
            }
            String decoded = QueryStringDecoder.decodeComponent(path);
            Path p = root.resolve(decoded.substring(1)).normalize();
            return p.startsWith(root) ? p : null;
        }

        private static void error(ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
            ByteBuf body = Unpooled.copiedBuffer(status + "\n", StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ChannelFuture f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
