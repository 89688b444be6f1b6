package io.ktls4j.cli;

import io.ktls4j.agent.AgentClient;
import io.ktls4j.agent.AgentException;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.http.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code ktls serve --agent SOCKET}: the handshake of each accepted socket is run by the handshake agent, which holds
 * the certificate and key; HTTP then runs on the {@link KtlsConnection} it returns, with the record layer in the
 * kernel, exactly as after an in-process handshake ({@link TlsTransport.TlsSession}).
 */
final class AgentTransport implements Transport {
    private final AgentClient agent;
    private final ServerStats stats;
    private final HandshakeRequest request;

    /** @param alpn the ALPN protocol names the agent selects from a client's list, most preferred first */
    AgentTransport(AgentClient agent, ServerStats stats, Duration handshakeTimeout, List<String> alpn) {
        this.agent = agent;
        this.stats = stats;
        this.request = HandshakeRequest.server().timeout(handshakeTimeout).alpn(alpn.toArray(String[]::new)).build();
    }

    /** Answers that the agent gives to every request of this server, whatever the client: serving would be futile. */
    private static final Set<AgentStatus> REFUSES_EVERY_HANDSHAKE = Set.of(AgentStatus.KTLS_UNAVAILABLE,
            AgentStatus.DENIED, AgentStatus.UNKNOWN_CREDENTIAL, AgentStatus.UNSUPPORTED_REQUEST,
            AgentStatus.VERSION_UNSUPPORTED);

    /**
     * Sends the agent one request for a throwaway loopback connection whose client end is already closed, and fails
     * when the agent refuses it before the handshake for a reason every connection would meet (e.g. no kTLS on the
     * agent's kernel and a credential that does not allow a software return): the server would otherwise say it is
     * ready and then reset every client. A request the agent accepts fails at once in the handshake (the peer is
     * gone), which is what an accepting agent answers.
     */
    void refuseToServeIfEveryHandshakeIsRefused() throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel probe = listener.accept()) {
            client.close();
            agent.handshake(probe, request).close();
        } catch (AgentException e) {
            if (REFUSES_EVERY_HANDSHAKE.contains(e.status())) {
                throw new IOException("the agent at " + agent.socketPath() + " refuses every handshake of this server: "
                        + e.status() + " (" + e.status().meaning() + ")" + advice(e.status()), e);
            }
        }
    }

    private String advice(AgentStatus status) {
        return switch (status) {
            case KTLS_UNAVAILABLE -> "; the agent's kernel has no kTLS" + (agent.agentHasKtls() ? " for its suites" : "")
                    + ": run it on a kernel with kTLS, set allow-software-return = true on its credential "
                    + "(docs/AGENT.md), or serve without --agent";
            case DENIED -> "; add this user to the credential's allow-uid or allow-gid (docs/AGENT.md)";
            case UNKNOWN_CREDENTIAL, UNSUPPORTED_REQUEST -> "; check the agent's configuration (docs/AGENT.md)";
            default -> "; use an agent of the same ktls4j version";
        };
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
