package io.ktls4j.cli;

import io.ktls4j.agent.AgentClient;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.http.HttpServer;
import io.ktls4j.http.Transport;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * {@code ktls serve --agent SOCKET}: the handshake of each accepted socket is run by the handshake agent, which holds
 * the certificate and key; HTTP then runs on the {@link KtlsConnection} it returns, with the record layer in the
 * kernel, exactly as after an in-process handshake ({@link TlsTransport.TlsSession}).
 */
final class AgentTransport implements Transport {
    private final AgentClient agent;
    private final ServerStats stats;
    private final HandshakeRequest request;

    AgentTransport(AgentClient agent, ServerStats stats, Duration handshakeTimeout) {
        this.agent = agent;
        this.stats = stats;
        this.request = HandshakeRequest.server().timeout(handshakeTimeout)
                .alpn(HttpServer.ALPN_PROTOCOLS.toArray(String[]::new)).build();
    }

    @Override
    public Session open(SocketChannel socket) throws IOException {
        KtlsConnection c;
        try {
            c = agent.handshake(socket, request);
        } catch (IOException | RuntimeException e) {
            stats.handshakeFailed();
            throw e;
        }
        return new TlsTransport.TlsSession(c, stats, " (agent)");
    }
}
