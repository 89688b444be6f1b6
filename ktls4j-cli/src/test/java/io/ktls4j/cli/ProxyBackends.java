package io.ktls4j.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/** Plain TCP backends for {@code ktls proxy} tests, in the test JVM, each connection on its own virtual thread. */
final class ProxyBackends implements AutoCloseable {
    /** What a backend does with one accepted connection (the socket is closed after it). */
    @FunctionalInterface
    interface Behaviour {
        void serve(SocketChannel s) throws Exception;
    }

    private final List<ServerSocketChannel> listeners = new ArrayList<>();

    /** Starts a backend on a loopback port; returns the port. */
    int start(Behaviour behaviour) throws IOException {
        ServerSocketChannel l = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                0), 2048);
        listeners.add(l);
        Thread.ofVirtual().start(() -> {
            while (l.isOpen()) {
                try {
                    SocketChannel s = l.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            behaviour.serve(s);
                        } catch (Exception e) {
                            // the proxy or the test ended the connection
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return ((InetSocketAddress) l.getLocalAddress()).getPort();
    }

    /** Sends back what it reads; at the end of its input, ends its output (half-close kept). */
    static void echo(SocketChannel s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        while (s.read(b) >= 0) {
            b.flip();
            while (b.hasRemaining()) {
                s.write(b);
            }
            b.clear();
        }
        s.shutdownOutput();
    }

    /** Resets the connection (RST: SO_LINGER 0) once the first bytes arrive. */
    static void resetOnFirstBytes(SocketChannel s) throws IOException {
        s.read(ByteBuffer.allocate(1024));
        s.setOption(StandardSocketOptions.SO_LINGER, 0);
        s.close();
    }

    /** Reads until the end of the input; returns how many bytes came. */
    static long readToEnd(SocketChannel s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        long n = 0;
        for (int r = s.read(b); r >= 0; r = s.read(b)) {
            n += r;
            b.clear();
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        for (ServerSocketChannel l : listeners) {
            l.close();
        }
    }
}
