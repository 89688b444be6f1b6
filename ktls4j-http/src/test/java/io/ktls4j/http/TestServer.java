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

    TestServer(Path root, HttpLimits limits) throws IOException {
        this(new StaticFileHandler(root), limits);
    }

    TestServer(Handler handler, HttpLimits limits) throws IOException {
        ConnectionLog log = new ConnectionLog() {
            @Override
            public void served(ConnectionLog.Summary s) {
                served.add(s);
            }

            @Override
            public void failed(SocketAddress peer, Duration duration, Throwable cause) {
                failed.add(cause);
            }
        };
        server = new HttpServer(HttpServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128),
                Transport.PLAIN, handler, limits, 64, Duration.ofSeconds(5), log).start();
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
