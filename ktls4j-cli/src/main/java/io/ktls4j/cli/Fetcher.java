package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.http.HttpClientConnection;
import io.ktls4j.http.HttpHeaders;
import io.ktls4j.http.ResponseHead;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.WritableByteChannel;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * One HTTP(S) exchange for the client commands: connect, TLS handshake (https) with the given client context,
 * request, response head and body. The connection is closed afterwards (close_notify on TLS).
 */
final class Fetcher implements AutoCloseable {
    /** What came back. {@code session} is the TLS description, or "plain" for http. */
    record Result(ResponseHead head, long bytes, long nanos, String session) {
    }

    private final URI uri;
    private final SocketChannel socket;
    private final KtlsConnection tls;
    private final ByteChannel channel;
    private final HttpClientConnection http;

    private Fetcher(URI uri, SocketChannel socket, KtlsConnection tls) {
        this.uri = uri;
        this.socket = socket;
        this.tls = tls;
        this.channel = tls != null ? tls : socket;
        this.http = new HttpClientConnection(channel);
    }

    /** Connects to the URL's host and port and, for https, runs the handshake with {@code context}. */
    static Fetcher open(URI uri, KtlsContext context) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new IllegalArgumentException("only https:// and http:// URLs are supported: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("the URL has no host: " + uri);
        }
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String host = hostForTls(uri.getHost());
        SocketChannel socket = SocketChannel.open();
        try {
            socket.connect(new InetSocketAddress(host, port));
            socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            KtlsConnection tls = scheme.equals("https") ? context.connect(socket, host) : null;
            return new Fetcher(uri, socket, tls);
        } catch (IOException | UnresolvedAddressException e) {
            socket.close();
            throw new EndpointException(EndpointException.Action.CONNECT, host, port, e);
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static String hostForTls(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The TLS connection, or null for http. */
    KtlsConnection tls() {
        return tls;
    }

    String session() {
        return tls == null ? "plain" : TlsTransport.TlsSession.describe(tls);
    }

    /** Sends {@code method} for the URL's path and query, then reads the response into {@code sink}. */
    Result exchange(String method, HttpHeaders extra, boolean keepAlive, WritableByteChannel sink,
                    Function<ResponseHead, LongConsumer> progress) throws IOException {
        long t0 = System.nanoTime();
        ResponseHead head = request(method, extra, keepAlive);
        long n = body(head, method.equals("HEAD"), sink, progress == null ? null : progress.apply(head));
        return new Result(head, n, System.nanoTime() - t0, session());
    }

    /** Sends {@code method} for the URL's path and query and reads the response head; {@link #body} reads the rest. */
    ResponseHead request(String method, HttpHeaders extra, boolean keepAlive) throws IOException {
        String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            target += "?" + uri.getRawQuery();
        }
        HttpHeaders h = extra == null ? new HttpHeaders() : extra;
        if (!keepAlive) {
            h.set("Connection", "close");
        }
        http.send(method, target, authority(), h);
        return http.readHead();
    }

    /**
     * Reads the body of {@code head} into {@code sink}.
     *
     * @param progress called with the running byte count (may be null)
     * @return the number of body bytes
     */
    long body(ResponseHead head, boolean headRequest, WritableByteChannel sink, LongConsumer progress)
            throws IOException {
        return http.readBody(head, headRequest, sink, progress);
    }

    private String authority() {
        int port = uri.getPort();
        return port > 0 ? uri.getHost() + ":" + port : uri.getHost();
    }

    @Override
    public void close() throws IOException {
        try {
            if (tls != null) {
                tls.close();
            }
        } finally {
            socket.close();
        }
    }
}
