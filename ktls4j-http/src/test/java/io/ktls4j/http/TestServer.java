package io.ktls4j.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A plain-TCP {@link HttpServer} on an ephemeral loopback port serving a directory, recording its log events. */
final class TestServer implements AutoCloseable {
    final HttpServer server;
    final List<ConnectionLog.Summary> served = new CopyOnWriteArrayList<>();
    final List<Throwable> failed = new CopyOnWriteArrayList<>();
    final List<String> notices = new CopyOnWriteArrayList<>();
    final List<ConnectionLog.Request> requests = new CopyOnWriteArrayList<>();

    TestServer(Path root, HttpLimits limits) throws IOException {
        this(new StaticFileHandler(root), limits);
    }

    TestServer(Handler handler, HttpLimits limits) throws IOException {
        this(handler, limits, ConnectionLimits.total(64), 128);
    }

    /** @param backlog the listen backlog (a flood of connections wants a long one) */
    TestServer(Handler handler, HttpLimits limits, ConnectionLimits connections, int backlog) throws IOException {
        ConnectionLog log = new ConnectionLog() {
            @Override
            public void served(ConnectionLog.Summary s) {
                served.add(s);
            }

            @Override
            public void failed(SocketAddress peer, Duration duration, Throwable cause) {
                failed.add(cause);
            }

            @Override
            public void request(ConnectionLog.Request r) {
                requests.add(r);
            }

            @Override
            public void notice(String message) {
                notices.add(message);
            }
        };
        server = new HttpServer(HttpServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog),
                Transport.PLAIN, handler, limits, connections, Duration.ofSeconds(5), log).start();
    }

    int port() throws IOException {
        return server.localAddress().getPort();
    }

    String url(String path) throws IOException {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
