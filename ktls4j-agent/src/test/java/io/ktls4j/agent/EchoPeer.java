package io.ktls4j.agent;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A plain TCP peer for one connection that does nothing until asked: it never speaks TLS, so a handshake against it
 * stalls (the agent's ClientHello is read by nobody, or the agent waits for a ClientHello that never comes).
 */
public final class EchoPeer implements AutoCloseable {
    private final ServerSocket server;
    private final CompletableFuture<Socket> accepted;

    public EchoPeer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    public Socket socket() throws Exception {
        return accepted.get(5, TimeUnit.SECONDS);
    }

    private int skipped;

    /** Reads one line; bytes before it that are not printable (e.g. a TLS record) are counted in {@link #bytesBeforeFirstLine()}. */
    public String readLine() throws Exception {
        InputStream in = socket().getInputStream();
        socket().setSoTimeout(5000);
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) != '\n';) {
            if (b < 0) {
                return null;
            }
            if (b < 0x20 || b > 0x7e) {
                skipped++;
                continue;
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    /** Reads until the connection ends; returns the bytes read, the first of them in {@code first[0]}. */
    public int readToEnd(int[] first) throws Exception {
        InputStream in = socket().getInputStream();
        socket().setSoTimeout(10_000);
        int n = 0;
        for (int b; (b = in.read()) >= 0; n++) {
            if (n == 0) {
                first[0] = b;
            }
        }
        return n;
    }

    public int bytesBeforeFirstLine() {
        return skipped;
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (accepted.isDone() && !accepted.isCompletedExceptionally()) {
            accepted.join().close();
        }
    }
}
