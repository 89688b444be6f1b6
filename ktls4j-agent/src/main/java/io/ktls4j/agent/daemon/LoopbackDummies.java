package io.ktls4j.agent.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Throw-away connected loopback channels, one per handshake: the JDK has no public way to put a {@link SocketChannel}
 * on an existing descriptor, so {@link AdoptedSocket} replaces the descriptor of one of these. Each {@link #open()}
 * connects once and accepts (and closes) once; which pending connection it accepts does not matter.
 */
final class LoopbackDummies implements AutoCloseable {
    private final ServerSocketChannel listener;

    LoopbackDummies() throws IOException {
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    }

    /** A connected, blocking channel whose far end is already closed. */
    SocketChannel open() throws IOException {
        SocketChannel c = SocketChannel.open(listener.getLocalAddress());
        try {
            listener.accept().close();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
