package io.ktls4j.linux.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A connected TCP pair on 127.0.0.1 with both fds found, for probing the kernel: {@code client} connected to
 * {@code server} (the accepted end). Closing closes both.
 */
public final class LoopbackPair implements AutoCloseable {
    public final SocketChannel client;
    public final SocketChannel server;
    public final int clientFd;
    public final int serverFd;

    private LoopbackPair(SocketChannel client, SocketChannel server) throws IOException {
        this.client = client;
        this.server = server;
        this.clientFd = SocketFd.of(client);
        this.serverFd = SocketFd.of(server);
    }

    public static LoopbackPair open() throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            SocketChannel client = SocketChannel.open(listener.getLocalAddress());
            SocketChannel server = null;
            try {
                server = listener.accept();
                return new LoopbackPair(client, server);
            } catch (IOException | RuntimeException e) {
                client.close();
                if (server != null) {
                    server.close();
                }
                throw e;
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            client.close();
        } finally {
            server.close();
        }
    }
}
