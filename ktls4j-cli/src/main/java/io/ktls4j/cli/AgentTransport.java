package io.ktls4j.cli;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.agent.AgentConnection;
import io.ktls4j.agent.HandshakeAgent;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.http.FileSender;
import io.ktls4j.http.Transport;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * {@code ktls serve --agent SOCKET}: the handshake of each accepted socket is run by the handshake agent, which holds
 * the certificate and key; HTTP then runs on the {@link AgentConnection} with the record layer in the kernel.
 */
final class AgentTransport implements Transport {
    private final HandshakeAgent agent;
    private final ServerStats stats;
    private final HandshakeRequest request;

    AgentTransport(HandshakeAgent agent, ServerStats stats, Duration handshakeTimeout) {
        this.agent = agent;
        this.stats = stats;
        this.request = HandshakeRequest.server().timeout(handshakeTimeout).build();
    }

    @Override
    public Session open(SocketChannel socket) throws IOException {
        AgentConnection c;
        try {
            c = agent.handshake(socket, request);
        } catch (IOException | RuntimeException e) {
            stats.handshakeFailed();
            throw e;
        }
        return new AgentSession(c, stats);
    }

    /** One connection whose handshake the agent ran, as HTTP sees it. */
    static final class AgentSession implements Session {
        private final AgentConnection connection;
        private final ServerStats stats;
        private final BackendKind tx;
        private final BackendKind rx;
        private volatile boolean closed;

        AgentSession(AgentConnection connection, ServerStats stats) {
            this.connection = connection;
            this.stats = stats;
            this.tx = connection.backend(Direction.TX);
            this.rx = connection.backend(Direction.RX);
            stats.opened(connection.version().toString(), connection.cipherSuite().name(), tx, rx);
        }

        @Override
        public ByteChannel channel() {
            return connection;
        }

        @Override
        public FileSender fileSender() {
            return connection::sendFile;
        }

        @Override
        public String describe() {
            return connection.version() + " " + connection.cipherSuite() + " tx=" + tx + " rx=" + rx + " (agent)";
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
                stats.closed(tx, rx);
            }
        }
    }
}
