package io.ktls4j.netty.example;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.Ktls;
import io.ktls4j.netty.KtlsHandler;
import io.ktls4j.netty.KtlsHandshakeCompletionEvent;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * A static-file HTTPS server on Netty's HTTP codec with {@link KtlsHandler}: the example to copy. The TLS part is two
 * lines, where an {@code SslHandler} server has its two:
 *
 * <pre>{@code
 * KtlsContext tls = KtlsContext.forServer(cert, key).build();  // SslContext ssl = SslContextBuilder.forServer(...)
 * pipeline.addLast(new KtlsHandler(tls));                      // pipeline.addLast(ssl.newHandler(ch.alloc()));
 * }</pre>
 *
 * and {@link FileServerHandler} sends bodies as {@code DefaultFileRegion}s, which go out by {@code sendfile(2)} when
 * TX is in the kernel ({@code --bodies} chooses). {@code --tls jdk} and {@code --tls openssl} run the same server
 * with {@code SslHandler} (the JDK's or netty-tcnative's OpenSSL engine, which needs netty-tcnative-boringssl-static
 * on the class path) and chunked bodies, for comparison.
 *
 * <pre>java -cp ... io.ktls4j.netty.example.StaticFileServer --root DIR --cert chain.pem --key key.pem \
 *     [--port 8443] [--bind 127.0.0.1] [--threads N] [--transport epoll|nio] [--tls ktls|jdk|openssl] \
 *     [--backend auto|auto_with_rekey|kernel_required|software] [--protocols TLSv1.3,TLSv1.2] [--suites A,B] \
 *     [--handshake-timeout SECONDS] [--bodies auto|region|chunked] [--log]</pre>
 */
public final class StaticFileServer {
    private StaticFileServer() {
    }

    /** The parsed command line. */
    record Options(Path root, Path cert, Path key, int port, String bind, int threads, String transport, String tls,
            BackendPolicy backend, String[] protocols, String[] suites, Duration handshakeTimeout, String bodies,
            boolean log) {

        static Options parse(String... args) {
            Path root = null;
            Path cert = null;
            Path key = null;
            int port = 8443;
            String bind = "127.0.0.1";
            int threads = Runtime.getRuntime().availableProcessors();
            String transport = Epoll.isAvailable() ? "epoll" : "nio";
            String tls = "ktls";
            BackendPolicy backend = BackendPolicy.AUTO;
            String[] protocols = {"TLSv1.3", "TLSv1.2"};
            String[] suites = null;
            Duration handshakeTimeout = Duration.ofSeconds(10);
            String bodies = "auto";
            boolean log = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--log")) {
                    log = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--root" -> root = Path.of(v);
                    case "--cert" -> cert = Path.of(v);
                    case "--key" -> key = Path.of(v);
                    case "--port" -> port = Integer.parseInt(v);
                    case "--bind" -> bind = v;
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--transport" -> transport = oneOf(v, "epoll", "nio");
                    case "--tls" -> tls = oneOf(v, "ktls", "jdk", "openssl");
                    case "--backend" -> backend = BackendPolicy.valueOf(v.toUpperCase(Locale.ROOT));
                    case "--protocols" -> protocols = v.split(",");
                    case "--suites" -> suites = v.split(",");
                    case "--handshake-timeout" -> handshakeTimeout = Duration.ofSeconds(Long.parseLong(v));
                    case "--bodies" -> bodies = oneOf(v, "auto", "region", "chunked");
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (root == null || cert == null || key == null) {
                throw new IllegalArgumentException("--root, --cert and --key are required");
            }
            return new Options(root, cert, key, port, bind, threads, transport, tls, backend, protocols, suites,
                    handshakeTimeout, bodies, log);
        }

        private static String oneOf(String v, String... allowed) {
            if (!Arrays.asList(allowed).contains(v)) {
                throw new IllegalArgumentException(v + " is not one of " + Arrays.toString(allowed));
            }
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("StaticFileServer: " + e.getMessage());
            System.err.println("usage: StaticFileServer --root DIR --cert PEM --key PEM [--port P] [--bind ADDR] "
                    + "[--threads N] [--transport epoll|nio] [--tls ktls|jdk|openssl] [--backend POLICY] "
                    + "[--protocols LIST] [--suites LIST] [--handshake-timeout SECONDS] [--bodies auto|region|chunked] "
                    + "[--log]");
            System.exit(2);
            return;
        }
        Channel server = start(o);
        server.closeFuture().sync();
    }

    /** Binds the server; the returned channel's close future ends it (the event loops shut down with it). */
    static Channel start(Options o) throws Exception {
        Path root = o.root().toRealPath();
        PipelineTls tls = pipelineTls(o);
        boolean epoll = o.transport().equals("epoll");
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(o.threads(), io);
        ChannelInboundHandlerAdapter logger = o.log() ? new HandshakeLog() : null;
        Channel server = new ServerBootstrap().group(boss, workers).channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(128 << 10, 512 << 10))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        tls.addTo(ch, p);
                        p.addLast(new HttpServerCodec());
                        p.addLast(new ChunkedWriteHandler());
                        if (logger != null) {
                            p.addLast(logger);
                        }
                        p.addLast(new FileServerHandler(root, o.bodies()));
                    }
                })
                .bind(new InetSocketAddress(o.bind(), o.port())).sync().channel();
        server.closeFuture().addListener(f -> {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        });
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        System.out.println("StaticFileServer: " + root + " on https://localhost:" + port + "/ (" + o.transport() + ", "
                + o.threads() + " event loops, " + tls.describe() + ")");
        System.out.flush();
        return server;
    }

    /** The TLS handler each connection gets. */
    private interface PipelineTls {
        void addTo(SocketChannel ch, ChannelPipeline p);

        String describe();
    }

    private static PipelineTls pipelineTls(Options o) throws Exception {
        if (o.tls().equals("ktls")) {
            KtlsContextBuilder b = KtlsContext.forServer(o.cert(), o.key()).protocols(o.protocols())
                    .applicationProtocols("http/1.1").backend(Ktls.backend(o.backend()))
                    .handshakeTimeout(o.handshakeTimeout());
            if (o.suites() != null) {
                b.cipherSuites(o.suites());
            }
            KtlsContext tls = b.build();
            String kernel = KernelTls.isAvailable() ? "kTLS available"
                    : "no kTLS: " + KernelTls.unavailabilityCause().getMessage();
            return new PipelineTls() {
                @Override
                public void addTo(SocketChannel ch, ChannelPipeline p) {
                    p.addLast(new KtlsHandler(tls));
                }

                @Override
                public String describe() {
                    return "TLS: KtlsHandler, backend " + o.backend() + ", " + kernel;
                }
            };
        }
        SslProvider provider = o.tls().equals("openssl") ? SslProvider.OPENSSL : SslProvider.JDK;
        if (provider == SslProvider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("--tls openssl needs netty-tcnative-boringssl-static on the class path: "
                    + OpenSsl.unavailabilityCause());
        }
        SslContextBuilder b = SslContextBuilder.forServer(o.cert().toFile(), o.key().toFile()).sslProvider(provider)
                .protocols(o.protocols());
        if (o.suites() != null) {
            b.ciphers(Arrays.asList(o.suites()));
        }
        SslContext ssl = b.build();
        return new PipelineTls() {
            @Override
            public void addTo(SocketChannel ch, ChannelPipeline p) {
                SslHandler h = ssl.newHandler(ch.alloc());
                h.setHandshakeTimeoutMillis(o.handshakeTimeout().toMillis());
                p.addLast(h);
            }

            @Override
            public String describe() {
                return "TLS: SslHandler, provider " + provider
                        + (provider == SslProvider.OPENSSL ? " (" + OpenSsl.versionString() + ")" : "");
            }
        };
    }

    /** With {@code --log}: one line per handshake, with each direction's placement and why. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class HandshakeLog extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof KtlsHandshakeCompletionEvent e) {
                System.out.println("handshake " + ctx.channel().remoteAddress() + ": "
                        + (e.isSuccess() ? e.session().version() + " " + e.session().cipherSuite() + ", tx="
                                + placement(e.session().tx()) + ", rx=" + placement(e.session().rx())
                                : "failed: " + e.cause().getMessage()));
                System.out.flush();
            }
            ctx.fireUserEventTriggered(evt);
        }

        private static String placement(io.ktls4j.linux.FallbackDecision d) {
            return d.backend() + (d.fellBack() ? " (fallback: " : " (") + d.reason() + ")";
        }
    }
}
