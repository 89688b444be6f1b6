package io.ktls4j.cli;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
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

    @Override
    public Session open(SocketChannel socket) throws IOException {
        KtlsConnection c;
        try {
            c = context.accept(socket);
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
