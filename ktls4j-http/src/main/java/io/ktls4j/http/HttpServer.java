package io.ktls4j.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/**
 * Accepts TCP connections and serves each on its own virtual thread: {@link Transport#open} (bounded by the
 * handshake timeout), then the {@link ConnectionService}'s conversation ({@link HttpConnection#serve} unless another
 * service is given), then one {@link ConnectionLog} event. Which connections are
 * served is {@link Admission}'s decision within the {@link ConnectionLimits}: a refused client is closed at once,
 * before any handshake; refusals are logged as {@link ConnectionLog#notice notices}, one a second at most.
 *
 * <p>When {@code accept} fails (out of file descriptors: {@code EMFILE}), the accept loop pauses and logs sparingly
 * ({@link AcceptFailures}). What serving needs and could not get once descriptors run out is initialised at
 * {@link #start()} ({@link DescriptorExhaustion}).
 */
public final class HttpServer implements AutoCloseable {
    private static final Duration NOTICE_INTERVAL = Duration.ofSeconds(1);
    /**
     * The ALPN protocol names (RFC 7301) of what this server speaks, most preferred first, for a TLS transport to
     * select from the client's list: as nginx does without HTTP/2. A client offering only others ({@code h2}) gets
     * the {@code no_application_protocol} alert, as from nginx; a client offering none gets no ALPN.
     */
    public static final List<String> ALPN_PROTOCOLS = List.of("http/1.1", "http/1.0");

    private final ServerSocketChannel server;
    private final Transport transport;
    private final ConnectionService service;
    private final ConnectionLimits connectionLimits;
    private final Duration handshakeTimeout;
    private final ConnectionLog log;
    private final Admission admission;
    private final Watchdog watchdog = new Watchdog();
    private final NoticeThrottle refusals;
    private final AcceptFailures acceptFailures;
    private volatile boolean closed;
    /** Set when a {@link #shutdown} closes what its drain time left open. */
    private volatile Duration drainCut;
    private Thread acceptor;

    /**
     * A server with at most {@code maxConnections} connections in all and no limit per client address.
     *
     * @see #HttpServer(ServerSocketChannel, Transport, Handler, HttpLimits, ConnectionLimits, Duration, ConnectionLog)
     */
    public HttpServer(ServerSocketChannel server, Transport transport, Handler handler, HttpLimits limits,
                      int maxConnections, Duration handshakeTimeout, ConnectionLog log) {
        this(server, transport, handler, limits, ConnectionLimits.total(maxConnections), handshakeTimeout, log);
    }

    public HttpServer(ServerSocketChannel server, Transport transport, Handler handler, HttpLimits limits,
                      ConnectionLimits connectionLimits, Duration handshakeTimeout, ConnectionLog log) {
        this(server, transport, ConnectionService.http(handler, limits, log), connectionLimits, handshakeTimeout,
                log);
    }

    /** A server running {@code service} on each connection once its transport is open. */
    public HttpServer(ServerSocketChannel server, Transport transport, ConnectionService service,
                      ConnectionLimits connectionLimits, Duration handshakeTimeout, ConnectionLog log) {
        this.server = server;
        this.transport = transport;
        this.service = service;
        this.connectionLimits = connectionLimits;
        this.handshakeTimeout = handshakeTimeout;
        this.log = log;
        this.admission = new Admission(connectionLimits);
        this.refusals = new NoticeThrottle(NOTICE_INTERVAL, watchdog,
                (n, last) -> n == 1 ? "refused a connection: " + last
                        : "refused " + n + " connections in the last second (the last " + last + ")", log::notice);
        this.acceptFailures = new AcceptFailures(watchdog, log);
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
        DescriptorExhaustion.prepare();
        acceptor = Thread.ofPlatform().name("ktls-accept").daemon(false).start(this::acceptLoop);
        return this;
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** Connections being served (handshaking or in HTTP) now. */
    public int activeConnections() {
        return admission.size();
    }

    /** The limits connections are admitted within. */
    public ConnectionLimits connectionLimits() {
        return connectionLimits;
    }

    /** Blocks until the accept loop ends (after {@link #close()}). */
    public void join() throws InterruptedException {
        acceptor.join();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel socket;
            try {
                socket = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!pause(acceptFailures.failed(LogLines.oneLine(e)))) {
                    return;
                }
                continue;
            }
            try {
                admit(socket);
                acceptFailures.succeeded();
            } catch (RuntimeException | Error e) {
                // whatever it was (out of memory, a class that failed to load), the accept loop goes on
                closeQuietly(socket);
                if (!pause(acceptFailures.failed(LogLines.oneLine(e)))) {
                    return;
                }
            }
        }
    }

    /** Sleeps {@code d}; false when the server is stopping. */
    private boolean pause(Duration d) {
        try {
            Thread.sleep(d);
            return !closed;
        } catch (InterruptedException stop) {
            return false;
        }
    }

    private void admit(SocketChannel socket) {
        SocketAddress peer = peer(socket);
        InetAddress address = peer instanceof InetSocketAddress i ? i.getAddress() : null;
        Admission.Decision d = admission.admit(socket, address);
        if (d.evicted() != null) {
            SocketChannel victim = d.evicted().socket;
            Thread.ofVirtual().name("ktls-evict").start(() -> closeQuietly(victim));
        }
        if (d.slot() == null) {
            closeQuietly(socket);
            refusals.event(d.refusal());
            return;
        }
        Thread.ofVirtual().name("ktls-conn").start(() -> {
            try {
                handle(d.slot(), peer);
            } catch (Throwable e) {
                log.failed(peer, Duration.ZERO, e); // an Error (NoClassDefFoundError...): one line, no stack trace
            } finally {
                closeQuietly(socket); // after an Error too: never keep the descriptor
                d.slot().release();
            }
        });
    }

    private void handle(Admission.Slot slot, SocketAddress peer) {
        SocketChannel socket = slot.socket;
        long t0 = System.nanoTime();
        Transport.Session session;
        Watchdog.Timer handshake = watchdog.arm(handshakeTimeout, () -> closeQuietly(socket));
        try {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            session = transport.open(socket);
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            boolean timedOut = !handshake.disarm();
            log.failed(peer, since(t0), slot.evicted() ? madeRoom() : timedOut ? noHandshake() : e);
            return;
        }
        if (!handshake.disarm() || !slot.to(Admission.State.WAITING)) {
            closeQuietly(socket);
            log.failed(peer, since(t0), slot.evicted() ? madeRoom() : noHandshake());
            return;
        }
        ConnectionService.Conversation connection = service.open(session, peer, slot, watchdog);
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
        boolean evicted = slot.evicted();
        Duration cut = drainCut;
        String end = evicted ? madeRoom().getMessage()
                : slot.stopped() ? "closed by the server: stopping, and the connection was idle"
                : closed ? "closed by the server: shutting down" + (cut == null ? ""
                        : ", " + service.workInProgress() + " not finished within the drain time of " + cut.toMillis() + " ms")
                : connection.endReason();
        log.served(new ConnectionLog.Summary(peer, connection.describe(session), connection.requests(), connection.bytesIn(),
                connection.bytesOut(), since(t0), end, closed || evicted ? null : error));
    }

    private IOException noHandshake() {
        return new IOException("no handshake within " + handshakeTimeout.toMillis() + " ms");
    }

    private IOException madeRoom() {
        return new IOException("closed to make room: the server was at its limit of "
                + connectionLimits.maxConnections() + " connections and this one had waited longest unanswered");
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

    /**
     * Stops gracefully: stops accepting, closes connections waiting for a request, lets every response being written
     * finish (each connection then closes, with {@code Connection: close}), and waits up to {@code drain} for the
     * connections to end; then closes what is left ({@link #close()}).
     *
     * @return the number of connections still open when the drain time was over (closed then), 0 when all ended
     */
    public int shutdown(Duration drain) throws InterruptedException {
        admission.stop();
        try {
            server.close();
        } catch (IOException e) {
            // not accepting either way
        }
        long deadline = System.nanoTime() + drain.toNanos();
        // repeated: a connection may finish its handshake, or come back to waiting, after a pass
        while (closeIdle() + admission.size() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        int left = admission.size();
        if (left > 0) {
            drainCut = drain;
        }
        try {
            close();
        } catch (IOException e) {
            // stopping anyway
        }
        return left;
    }

    /** Closes the connections waiting for a request; returns how many. */
    private int closeIdle() {
        int n = 0;
        for (Admission.Slot s : admission.slots()) {
            if (s.stopIfWaiting()) {
                closeQuietly(s.socket);
                n++;
            }
        }
        return n;
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Admission.Slot s : admission.slots()) {
            closeQuietly(s.socket);
        }
        watchdog.close();
        if (acceptor != null) {
            acceptor.interrupt();
        }
    }
}
