package io.ktls4j.cli;

import io.ktls4j.BackendKind;
import io.ktls4j.BadRecordException;
import io.ktls4j.Direction;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsAlertException;
import io.ktls4j.handshake.TlsHandshake;
import io.ktls4j.http.FileSender;
import io.ktls4j.http.Transport;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/**
 * The server side of {@code ktls serve}: a TLS handshake (ktls4j-handshake) on each accepted socket, then HTTP on
 * the {@link KtlsConnection}; file bodies through {@link KtlsConnection#sendFile}, which is {@code sendfile(2)} when
 * TX runs in the kernel.
 */
final class TlsTransport implements Transport {
    private final KtlsContext context;
    private final ServerStats stats;

    TlsTransport(KtlsContext context, ServerStats stats) {
        this.context = context;
        this.stats = stats;
    }

    /**
     * Runs the handshake on the blocking socket: {@link TlsHandshake#step()} blocks until it is done, and the virtual
     * thread waits in the JDK's poller, with no Selector of its own (which {@code KtlsContext.accept} opens: an epoll
     * and an eventfd descriptor per pending handshake, three descriptors instead of one). The server's handshake
     * timeout closes the socket to end a handshake that takes too long.
     */
    @Override
    public Session open(SocketChannel socket) throws IOException {
        KtlsConnection c;
        try {
            TlsHandshake handshake = context.newHandshake(socket, null);
            if (handshake.step() != TlsHandshake.Status.DONE) {
                handshake.close();
                throw new IOException("the handshake did not complete on a blocking socket");
            }
            c = handshake.connection();
        } catch (IOException | RuntimeException e) {
            stats.handshakeFailed();
            throw e;
        }
        return new TlsSession(c, stats);
    }

    /** One established connection as HTTP sees it; reports to the stats when it opens and closes. */
    static final class TlsSession implements Session {
        private final KtlsConnection connection;
        private final ServerStats stats;
        private final BackendKind tx;
        private final BackendKind rx;
        private final String via;
        private volatile boolean closed;

        TlsSession(KtlsConnection connection, ServerStats stats) {
            this(connection, stats, "");
        }

        /** @param via appended to {@link #describe()}, e.g. " (agent)" */
        TlsSession(KtlsConnection connection, ServerStats stats, String via) {
            this.connection = connection;
            this.via = via;
            this.stats = stats;
            this.tx = connection.backend(Direction.TX);
            this.rx = connection.backend(Direction.RX);
            if (stats != null) {
                stats.opened(connection.version().toString(), connection.cipherSuite().name(), tx, rx);
            }
        }

        @Override
        public ByteChannel channel() {
            return connection;
        }

        @Override
        public FileSender fileSender() {
            return connection::sendFile;
        }

        /** Uses the backends seen at the start: a closed socket reports NONE. */
        @Override
        public String describe() {
            return connection.version() + " " + connection.cipherSuite() + handshake(connection) + " tx=" + tx
                    + " rx=" + rx + via;
        }

        static String describe(KtlsConnection c) {
            return c.version() + " " + c.cipherSuite() + handshake(c) + " tx=" + c.backend(Direction.TX) + " rx="
                    + c.backend(Direction.RX);
        }

        /** " GROUP" and " resumed" when known. */
        private static String handshake(KtlsConnection c) {
            var s = c.session();
            return (s.group() == null ? "" : " " + s.group()) + (s.resumed() ? " resumed" : "");
        }

        /**
         * A record that failed authentication or broke the record layout ({@code EBADMSG}, {@code EMSGSIZE}): "bad
         * record from client"; another fatal alert this end raised after the handshake (an unexpected or malformed
         * message): "TLS protocol error from client". An alert the client sent is the client's way to end.
         */
        @Override
        public String peerFault(IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BadRecordException || t instanceof RecordOverflowException) {
                    return "bad record from client";
                }
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof TlsAlertException a && !a.isReceived()) {
                    return "TLS protocol error from client";
                }
            }
            return null;
        }

        @Override
        public void shutdownOutput() throws IOException {
            connection.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                connection.close();
            } finally {
                if (stats != null) {
                    stats.closed(tx, rx);
                }
            }
        }
    }
}
