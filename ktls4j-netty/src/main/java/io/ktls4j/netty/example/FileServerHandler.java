package io.ktls4j.netty.example;

import io.ktls4j.Direction;
import io.ktls4j.netty.KtlsHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
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
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * GET and HEAD of the regular files under one directory, HTTP/1.1 keep-alive and single byte ranges. A body goes
 * out as a {@link DefaultFileRegion} when {@code KtlsHandler} has TX in the kernel ({@code sendfile(2)}, no payload
 * byte in the JVM), otherwise as a {@link ChunkedNioFile} of 64 KiB reads (behind an {@link SslHandler}, which cannot
 * send a FileRegion, and by default where KtlsHandler seals in software, which can, see {@link #fileRegion}). Files
 * that fit one TLS record go with the head in one write.
 */
final class FileServerHandler extends SimpleChannelInboundHandler<HttpObject> {
    /** Bodies up to this size are read and sent with the head (one write, one record). */
    static final int SMALL_FILE = 16 << 10;
    private static final int CHUNK = 64 << 10;
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static volatile String date = "";
    private static volatile long dateSecond;

    private final Path root;
    private final String bodies;

    /** @param bodies "auto", "region" or "chunked": see {@link #fileRegion} */
    FileServerHandler(Path root, String bodies) {
        this.root = root;
        this.bodies = bodies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws IOException {
        if (!(msg instanceof HttpRequest request)) {
            return; // request bodies are ignored
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
        BasicFileAttributes attrs = file == null ? null : attributes(file);
        if (attrs == null || !attrs.isRegularFile()) {
            error(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
            return;
        }
        long size = attrs.size();
        ByteRange.Result asked = ByteRange.parse(request.headers().get(HttpHeaderNames.RANGE), size);
        if (asked instanceof ByteRange.Unsatisfiable) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size).set(HttpHeaderNames.CONTENT_LENGTH, 0);
            send(ctx, r, keepAlive);
            return;
        }
        ByteRange range = asked instanceof ByteRange.Partial p ? p.range() : new ByteRange(0, size - 1);
        long length = size == 0 ? 0 : range.length();
        HttpResponseStatus status = asked instanceof ByteRange.Partial ? HttpResponseStatus.PARTIAL_CONTENT
                : HttpResponseStatus.OK;

        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        boolean handedOver = false;
        try {
            HttpResponse response = !head && length <= SMALL_FILE
                    ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                            read(ctx, channel, range.first(), length))
                    : new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            HttpHeaders h = response.headers();
            h.set(HttpHeaderNames.SERVER, "ktls4j-netty-example");
            h.set(HttpHeaderNames.DATE, now());
            h.set(HttpHeaderNames.LAST_MODIFIED, HTTP_DATE.format(attrs.lastModifiedTime().toInstant()));
            h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
            h.set(HttpHeaderNames.CONTENT_LENGTH, length);
            if (status == HttpResponseStatus.PARTIAL_CONTENT) {
                h.set(HttpHeaderNames.CONTENT_RANGE, range.contentRange(size));
            }
            if (response instanceof FullHttpResponse full) {
                send(ctx, full, keepAlive);
                return;
            }
            setConnection(request, response, keepAlive);
            ctx.write(response);
            ChannelFuture last;
            if (head) {
                last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else if (fileRegion(ctx)) {
                // KtlsHandler: the file goes as a FileRegion, sendfile(2) where TX is in the kernel
                ctx.write(new DefaultFileRegion(channel, range.first(), length));
                last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                // the file is read in chunks
                last = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(channel, range.first(), length,
                        CHUNK)));
            }
            handedOver = true; // the region or the chunked input closes the file channel
            if (!keepAlive) {
                last.addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            if (!handedOver) {
                channel.close();
            }
        }
    }

    /**
     * Whether a body goes as a FileRegion: never behind SslHandler; with KtlsHandler as {@code --bodies} says (auto:
     * where TX is in the kernel, which sends it with sendfile; the software record layer reads a FileRegion in the
     * 8 KiB pieces of FileChannel.transferTo, and 64 KiB chunks cost less there).
     */
    private boolean fileRegion(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(SslHandler.class) != null) {
            return false; // SslHandler cannot send a FileRegion (netty/netty#3968)
        }
        return switch (bodies) {
            case "region" -> true;
            case "chunked" -> false;
            default -> {
                KtlsHandler tls = ctx.pipeline().get(KtlsHandler.class);
                yield tls == null || tls.backend(Direction.TX).isKernel();
            }
        };
    }

    private static ByteBuf read(ChannelHandlerContext ctx, FileChannel channel, long position, long length)
            throws IOException {
        ByteBuf body = ctx.alloc().buffer((int) length);
        try {
            ByteBuffer nio = body.nioBuffer(0, (int) length);
            while (nio.hasRemaining()) {
                if (channel.read(nio, position + nio.position()) < 0) {
                    throw new IOException("the file shrank while it was read");
                }
            }
            body.writerIndex((int) length);
            return body;
        } catch (IOException | RuntimeException e) {
            body.release();
            throw e;
        }
    }

    private static BasicFileAttributes attributes(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    /** Maps a URL path under the root; null for anything that would leave it. */
    private Path resolve(String path) {
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            return null;
        }
        Path p = root.resolve(QueryStringDecoder.decodeComponent(path).substring(1)).normalize();
        return p.startsWith(root) ? p : null;
    }

    private static void setConnection(HttpRequest request, HttpResponse response, boolean keepAlive) {
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture f = ctx.writeAndFlush(r);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void error(ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
        ByteBuf body = Unpooled.copiedBuffer(status + "\n", StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        send(ctx, r, keepAlive);
    }

    /** The Date header, formatted once per second. */
    private static String now() {
        long s = System.currentTimeMillis() / 1000;
        if (s != dateSecond) {
            date = HTTP_DATE.format(Instant.ofEpochSecond(s));
            dateSecond = s;
        }
        return date;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // TLS failures are typed (TlsAlertException, TlsTruncationException, ...); the example just closes
    }
}
