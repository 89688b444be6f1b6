package io.ktls4j.handshake;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;

/** A ktls4j server and a ktls4j client handshaking over a loopback TCP connection. */
final class Loopback implements AutoCloseable {
    /** A handshake result: the connection, or what went wrong. */
    record Result(KtlsConnection connection, Exception error, SocketChannel channel) {
        KtlsConnection get() throws Exception {
            if (error != null) {
                throw error;
            }
            return connection;
        }
    }

    final Result server;
    final Result client;

    private Loopback(Result server, Result client) {
        this.server = server;
        this.client = client;
    }

    static Loopback handshake(KtlsContext serverCtx, KtlsContext clientCtx, String host) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            SocketChannel clientChannel = SocketChannel.open(listener.getLocalAddress());
            SocketChannel serverChannel = listener.accept();
            CompletableFuture<Result> s = CompletableFuture.supplyAsync(() -> run(serverChannel,
                    () -> serverCtx.accept(serverChannel)));
            Result c = run(clientChannel, () -> clientCtx.connect(clientChannel, host));
            return new Loopback(s.get(), c);
        }
    }

    private interface Handshake {
        KtlsConnection run() throws IOException;
    }

    private static Result run(SocketChannel ch, Handshake h) {
        try {
            return new Result(h.run(), null, ch);
        } catch (Exception e) {
            return new Result(null, e, ch);
        }
    }

    @Override
    public void close() throws IOException {
        for (Result r : new Result[] {server, client}) {
            if (r.connection() != null) {
                r.connection().close();
            }
            r.channel().close();
        }
    }
}
