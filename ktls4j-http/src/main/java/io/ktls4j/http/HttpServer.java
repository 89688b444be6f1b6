package io.ktls4j.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Accepts TCP connections and serves each on its own virtual thread: {@link Transport#open} (bounded by the
 * handshake timeout), then {@link HttpConnection#serve}, then one {@link ConnectionLog} event. At most
 * {@code maxConnections} are served at once; further clients wait in the listen backlog.
 */
public final class HttpServer implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Transport transport;
    private final Handler handler;
    private final HttpLimits limits;
    private final Duration handshakeTimeout;
    private final ConnectionLog log;
    private final Semaphore slots;
    private final Watchdog watchdog = new Watchdog();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private Thread acceptor;

    public HttpServer(ServerSocketChannel server, Transport transport, Handler handler, HttpLimits limits,
                      int maxConnections, Duration handshakeTimeout, ConnectionLog log) {
        this.server = server;
        this.transport = transport;
        this.handler = handler;
        this.limits = limits;
        this.handshakeTimeout = handshakeTimeout;
        this.log = log;
        this.slots = new Semaphore(maxConnections);
    }

    /** Binds a listening socket (SO_REUSEADDR) for {@link #HttpServer}. */
    public static ServerSocketChannel bind(InetSocketAddress address, int backlog) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(address, backlog);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Starts accepting on a platform thread; returns at once. */
    public HttpServer start() {
        acceptor = Thread.ofPlatform().name("ktls-accept").daemon(false).start(this::acceptLoop);
        return this;
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** Connections being served (handshaking or in HTTP) now. */
    public int activeConnections() {
        return open.size();
    }

    /** Blocks until the accept loop ends (after {@link #close()}). */
    public void join() throws InterruptedException {
        acceptor.join();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                return;
            }
            SocketChannel socket;
            try {
                socket = server.accept();
            } catch (ClosedChannelException e) {
                slots.release();
                return;
            } catch (IOException e) {
                slots.release();
                System.err.println("accept failed: " + LogLines.oneLine(e));
                continue;
            }
            open.add(socket);
            Thread.ofVirtual().name("ktls-conn").start(() -> {
                try {
                    handle(socket);
                } finally {
                    open.remove(socket);
                    slots.release();
                }
            });
        }
    }

    private void handle(SocketChannel socket) {
        long t0 = System.nanoTime();
        SocketAddress peer = peer(socket);
        Transport.Session session;
        Watchdog.Timer handshake = watchdog.arm(handshakeTimeout, () -> closeQuietly(socket));
        try {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            session = transport.open(socket);
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            IOException why = handshake.disarm() ? null
                    : new IOException("no handshake within " + handshakeTimeout.toMillis() + " ms");
            log.failed(peer, since(t0), why != null ? why : e);
            return;
        }
        if (!handshake.disarm()) {
            closeQuietly(socket);
            log.failed(peer, since(t0), new IOException("no handshake within " + handshakeTimeout.toMillis() + " ms"));
            return;
        }
        HttpConnection connection = new HttpConnection(session, peer, handler, limits, watchdog);
        Throwable error = null;
        try {
            connection.serve();
        } catch (IOException | RuntimeException e) {
            error = e;
        } finally {
            try {
                session.close();
            } catch (IOException | RuntimeException e) {
                // the peer may be gone already; the connection is over either way
            }
            closeQuietly(socket);
        }
        log.served(new ConnectionLog.Summary(peer, session.describe(), connection.requests(), connection.bytesIn(),
                connection.bytesOut(), since(t0), connection.endReason(), closed ? null : error));
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static SocketAddress peer(SocketChannel s) {
        try {
            return s.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed or reset
        }
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (SocketChannel s : open) {
            closeQuietly(s);
        }
        watchdog.close();
        if (acceptor != null) {
            acceptor.interrupt();
        }
    }
}
