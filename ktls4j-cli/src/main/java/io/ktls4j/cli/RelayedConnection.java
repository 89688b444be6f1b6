package io.ktls4j.cli;

import io.ktls4j.Direction;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.http.ConnectionService;
import io.ktls4j.http.HttpConnection;
import io.ktls4j.http.LogLines;
import io.ktls4j.http.Transport;
import io.ktls4j.http.Watchdog;
import io.ktls4j.linux.KernelPipe;
import io.ktls4j.linux.SocketSplice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One proxied connection: the client's TLS session on one side, a TCP connection to the backend on the other, and
 * the plaintext moved both ways by two threads (this one backend → client, a virtual thread client → backend): with
 * {@code splice(2)} through a pipe per direction when both directions of the TLS session are in the kernel (the
 * plaintext never enters the JVM), else through a buffer in the JVM ({@link RelayPath}).
 *
 * <p>Each direction ends on its own (half-close): the client's close_notify (or FIN) becomes the backend's
 * {@code shutdown(SHUT_WR)}, the backend's FIN becomes the client's close_notify and {@code SHUT_WR}; the connection
 * is over when both directions are. The first failure in either direction ends both: it is the one the log names
 * ({@link #endReason()}), the other thread's error on the closed channels is its consequence.
 */
final class RelayedConnection implements ConnectionService.Conversation {
    private final Transport.Session session;
    private final ByteChannel client;
    private final ProxyRelay relay;
    private final HttpConnection.Activity activity;
    private final Watchdog watchdog;
    /** How the connection ended, set once: the first of a failure, the idle timeout, or both directions done. */
    private final AtomicReference<Ending> ending = new AtomicReference<>();
    private volatile SocketChannel backend;
    /** The TLS session with the backend ({@code --to-tls}), or null: plain TCP. */
    private volatile KtlsConnection backendTls;
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private volatile long lastMove;
    private volatile boolean clientTruncated;
    /** The idle deadline now armed: each check that finds bytes moved arms the next. */
    private volatile Watchdog.Timer idleTimer;
    /** Whether the bytes move by splice (set before the copying starts). */
    private volatile boolean spliced;

    /** @param cause what to put in the log's error field, or null for an orderly end */
    private record Ending(String reason, IOException cause) {
    }

    RelayedConnection(Transport.Session session, ProxyRelay relay, HttpConnection.Activity activity,
                      Watchdog watchdog) {
        this.session = session;
        this.client = session.channel();
        this.relay = relay;
        this.activity = activity;
        this.watchdog = watchdog;
    }

    @Override
    public void serve() throws IOException {
        activity.answering(); // relaying from the start: never closed to make room, nor as idle on SIGTERM
        SocketChannel b = connect();
        backend = b;
        if (relay.proxyProtocol()) {
            sendProxyHeader(b);
        }
        backendTls = relay.tlsOut() == null ? null : handshake(b);
        ByteChannel toBackend = backendTls != null ? backendTls : b;
        KtlsConnection tls = spliceable();
        try (b; ByteChannel closedLast = backendTls; KernelPipe upPipe = tls == null ? null : KernelPipe.open();
             KernelPipe downPipe = tls == null ? null : KernelPipe.open()) {
            RelayPath.Direction upward;
            RelayPath.Direction downward;
            if (tls != null) {
                SocketSplice backendSplice = SocketSplice.of(b);
                upward = RelayPath.splicedFromTls(tls, upPipe, backendSplice, () -> clientTruncated = true);
                downward = RelayPath.splicedToTls(backendSplice, downPipe, tls);
                spliced = true;
            } else {
                upward = RelayPath.jvm(client, toBackend, () -> clientTruncated = true);
                downward = RelayPath.jvm(toBackend, client, () -> { });
            }
            lastMove = System.nanoTime();
            idleTimer = watchdog.arm(relay.idleTimeout(), this::idleCheck);
            Thread up = Thread.ofVirtual().name("ktls-proxy-up")
                    .start(() -> copy(upward, clientSide(), backendSide(), bytesIn));
            try {
                copy(downward, backendSide(), clientSide(), bytesOut);
                up.join();
                ending.compareAndSet(null, new Ending(clientTruncated
                        ? "closed by client (without close_notify) and backend" : "closed by client and backend",
                        null));
            } catch (InterruptedException e) {
                end(new Ending("interrupted", null));
                Thread.currentThread().interrupt();
            } finally {
                idleTimer.disarm();
            }
        }
        Ending e = ending.get();
        if (e.cause() != null) {
            throw e.cause();
        }
    }

    /** Connects to the backend within the connect timeout; the exception names the backend and what happened. */
    private SocketChannel connect() throws IOException {
        SocketChannel b = SocketChannel.open();
        Watchdog.Timer deadline = watchdog.arm(relay.connectTimeout(), () -> closeQuietly(b));
        try {
            b.connect(relay.backend().resolve());
            b.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException | UnresolvedAddressException e) {
            closeQuietly(b);
            String why = !deadline.disarm() ? "no connection within " + relay.connectTimeout().toMillis() + " ms"
                    : e instanceof UnresolvedAddressException ? "cannot resolve " + relay.backend().host()
                    : LogLines.describe(e);
            ending.set(new Ending("backend unreachable", null));
            throw new IOException("cannot connect to the backend " + relay.backend() + ": " + why
                    + "; check that it is up and listening there", e);
        }
        if (!deadline.disarm()) {
            closeQuietly(b);
            ending.set(new Ending("backend unreachable", null));
            throw new IOException("cannot connect to the backend " + relay.backend() + ": no connection within "
                    + relay.connectTimeout().toMillis() + " ms; check that it is up and listening there");
        }
        return b;
    }

    /**
     * {@code --proxy-protocol}: the PROXY protocol v2 header, before any other byte to the backend (and before the
     * TLS handshake with it, as HAProxy's send-proxy-v2 does), within the connect timeout.
     */
    private void sendProxyHeader(SocketChannel b) throws IOException {
        SocketChannel accepted = client instanceof KtlsConnection k ? k.socketChannel() : (SocketChannel) client;
        ProxyProtocolHeader.Tls tls = client instanceof KtlsConnection k ? new ProxyProtocolHeader.Tls(
                k.version().toString(), k.applicationProtocol(), k.session().serverName(),
                !k.peerCertificates().isEmpty(), k.isResumed()) : null;
        Watchdog.Timer deadline = watchdog.arm(relay.connectTimeout(), () -> closeQuietly(b));
        try {
            ByteBuffer header = ByteBuffer.wrap(ProxyProtocolHeader.encode(
                    (InetSocketAddress) accepted.getRemoteAddress(), (InetSocketAddress) accepted.getLocalAddress(),
                    tls));
            while (header.hasRemaining()) {
                b.write(header);
            }
        } catch (IOException e) {
            closeQuietly(b);
            String why = !deadline.disarm() ? "not sent within " + relay.connectTimeout().toMillis() + " ms"
                    : LogLines.describe(e);
            ending.set(new Ending("backend error", null));
            throw new IOException("cannot send the PROXY protocol header to the backend " + relay.backend() + ": "
                    + why + "; check that it is up and expects the header (e.g. nginx: listen ... proxy_protocol)", e);
        }
        deadline.disarm();
    }

    /**
     * The TLS handshake with the backend ({@code --to-tls}) within the connect timeout; the exception names the
     * backend, what failed and what to check.
     */
    private KtlsConnection handshake(SocketChannel b) throws IOException {
        Watchdog.Timer deadline = watchdog.arm(relay.connectTimeout(), () -> closeQuietly(b));
        try {
            KtlsConnection c = relay.tlsOut().context().connect(b, relay.tlsOut().serverName());
            if (deadline.disarm()) {
                return c;
            }
            c.close();
            throw new IOException("the handshake was cut by the connect timeout");
        } catch (IOException | RuntimeException e) {
            closeQuietly(b);
            String why = !deadline.disarm() ? "not done within " + relay.connectTimeout().toMillis() + " ms"
                    : LogLines.describe(e);
            ending.set(new Ending("backend handshake failed", null));
            throw new IOException("TLS handshake with the backend " + relay.backend() + " (as "
                    + relay.tlsOut().serverName() + ") failed: " + why + "; check that it speaks TLS there, "
                    + "--cacert and --backend-servername", e);
        }
    }

    /** One end of the relay: how the log names its failures, and how its output ends. */
    private record Side(String name, Function<IOException, String> fault, HttpConnection.HalfClose endOutput) {
    }

    private Side clientSide() {
        return new Side("client", e -> Objects.requireNonNullElse(session.peerFault(e), "client error"),
                session::shutdownOutput);
    }

    private Side backendSide() {
        KtlsConnection t = backendTls;
        return new Side("backend " + relay.backend(), e -> "backend error",
                t != null ? t::shutdownOutput : backend::shutdownOutput);
    }

    /**
     * Copies one direction until the end of the source's input, then ends the sink's output; a failure ends both
     * directions ({@link #fail}), named after the side it happened on.
     */
    private void copy(RelayPath.Direction path, Side source, Side sink, AtomicLong counted) {
        while (true) {
            long n;
            try {
                n = path.source().pull();
            } catch (IOException e) {
                fail(source, e);
                return;
            }
            try {
                if (n < 0) {
                    sink.endOutput().shutdownOutput();
                    return;
                }
                moved();
                path.sink().push(n);
                counted.addAndGet(n);
            } catch (IOException e) {
                fail(sink, e);
                return;
            }
        }
    }

    /**
     * The session's connection when both its directions run in the kernel, so that splice can move the bytes; null
     * for the JVM path. {@link ProxyRelay.Splice#ALWAYS} splices with any record layer (the software one moves the
     * pipe's bytes in the JVM): for tests of the splice path on a host without kTLS.
     */
    private KtlsConnection spliceable() {
        if (!(client instanceof KtlsConnection c) || relay.splice() == ProxyRelay.Splice.OFF || backendTls != null) {
            return null;
        }
        boolean kernel = c.backend(Direction.TX).isKernel() && c.backend(Direction.RX).isKernel();
        return kernel || relay.splice() == ProxyRelay.Splice.ALWAYS ? c : null;
    }

    private void moved() {
        lastMove = System.nanoTime();
    }

    /** The watchdog's check: closes both sides after the idle timeout without a byte, else looks again later. */
    private void idleCheck() {
        long idleNanos = relay.idleTimeout().toNanos();
        long quiet = System.nanoTime() - lastMove;
        if (quiet >= idleNanos) {
            end(new Ending("idle for " + relay.idleTimeout().toMillis() + " ms: closed by the proxy", null));
        } else if (ending.get() == null) {
            idleTimer = watchdog.arm(Duration.ofNanos(idleNanos - quiet), this::idleCheck);
        }
    }

    /** The first failure ends both directions; later ones are its echo on the closed channels. */
    private void fail(Side side, IOException cause) {
        end(new Ending(side.fault().apply(cause), new IOException(side.name() + ": " + LogLines.describe(cause),
                cause)));
    }

    private void end(Ending e) {
        if (ending.compareAndSet(null, e)) {
            shutdownQuietly(backend); // not close: a splice in progress knows the socket by its descriptor number
            try {
                client.close();
            } catch (IOException ignored) {
                // closing only to wake the other direction
            }
        }
    }

    private static void shutdownQuietly(SocketChannel s) {
        try {
            s.shutdownInput();
            s.shutdownOutput();
        } catch (IOException e) {
            // not connected any more: nothing to wake
        }
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            if (s != null) {
                s.close();
            }
        } catch (IOException e) {
            // closing only
        }
    }

    @Override
    public int requests() {
        return -1;
    }

    @Override
    public long bytesIn() {
        return bytesIn.get();
    }

    @Override
    public long bytesOut() {
        return bytesOut.get();
    }

    @Override
    public String endReason() {
        Ending e = ending.get();
        return e == null ? "closed" : e.reason();
    }

    @Override
    public String describe(Transport.Session s) {
        KtlsConnection t = backendTls;
        return s.describe() + " backend=" + relay.backend()
                + (t == null ? "" : " backend-tls=\"" + TlsTransport.TlsSession.describe(t) + "\"")
                + " relay=" + (spliced ? "splice" : "jvm");
    }
}
