package io.ktls4j.agent.daemon;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Auth;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.wire.HandshakeReply;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.handshake.SessionInfo;
import io.ktls4j.handshake.TlsAlertException;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.handshake.TlsHandshake;
import io.ktls4j.handshake.TlsHandshakeException;
import io.ktls4j.handshake.TlsHandshakeTimeoutException;
import io.ktls4j.handshake.spi.ClientSessionTickets;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.TrafficSecrets;
import io.ktls4j.linux.KernelTls;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One handshake the daemon runs for a consumer's request: a {@link KtlsContext} built from the credential and the request,
 * restricted to the suites the kernel can carry unless keys may be returned, driven in blocking mode on the
 * {@link AdoptedSocket}'s channel, and handed to a {@link HandoffSocket}. Secrets end with the handshake (the
 * connection object is closed before the reply is made), except the TLS 1.3 traffic secrets of a session the agent
 * keeps for KeyUpdates ({@link KeptSessions}).
 */
final class HandshakeRunner {
    private HandshakeRunner() {
    }

    /** The suites of {@code c} usable for {@code request}; with {@code kernelOnly}, those the kernel takes both ways. */
    static List<TlsCipherSuite> suites(CredentialConfig c, boolean kernelOnly) {
        List<TlsCipherSuite> out = new ArrayList<>();
        for (TlsCipherSuite s : c.cipherSuites()) {
            if (c.protocols().contains(s.version()) && (!kernelOnly || KernelTls.supports(s.version(), s.cipher()))) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Builds the context; IllegalArgumentException when nothing usable is left (e.g. no suite for the key).
     *
     * @param tickets whether a server issues TLS 1.3 session tickets ({@link HandoffSocket} sends them, or keeps them
     *     for the reply) and a client keeps the ones it is sent ({@link HandshakeContexts} keeps the context, and so its
     *     ticket keys or its session cache, for the next handshakes)
     */
    static KtlsContext context(CredentialConfig c, HandshakeRequest r, List<TlsCipherSuite> suites, Duration timeout,
            io.ktls4j.TlsBackend layer, java.nio.file.Path keyLog, boolean tickets) throws IOException {
        boolean psk = r.auth() == Auth.PSK;
        List<TlsVersion> protocols = psk ? List.of(TlsVersion.TLS_1_3) : c.protocols();
        KtlsContextBuilder b;
        if (r.side() == Side.CLIENT) {
            b = KtlsContext.forClient().trustManager(c.trust());
            if (r.auth() == Auth.X509 && c.certificate() != null) {
                b.keyManager(c.certificate());
            }
        } else if (psk) {
            b = KtlsContext.forServerWithPskOnly().trustManager(c.trust());
        } else {
            b = KtlsContext.forServer(c.certificate()).trustManager(c.trust()).clientAuth(c.clientAuth());
        }
        if (psk) {
            b.externalPsk(c.psk());
        }
        b.keyLogFromEnvironment(false).keyLogFile(keyLog); // only --keylog: the agent exists to keep keys in
        b.sessionResumption(tickets && c.sessionTickets() && !psk);
        return b.protocols(protocols.toArray(TlsVersion[]::new)).cipherSuites(suites.toArray(TlsCipherSuite[]::new))
                .applicationProtocols(r.alpn().toArray(String[]::new)).handshakeTimeout(timeout).backend(layer)
                .build();
    }

    /**
     * The finished handshake's facts and keys.
     *
     * @param resumed whether the client resumed a session with a ticket
     * @param ticketsSent the NewSessionTickets the server issued: sent by the agent (TX in the kernel) or in
     *     {@code ticketsForConsumer}
     * @param ticketsForConsumer the NewSessionTicket messages for the consumer to send first (TX returned), or null
     * @param clientTickets a client's ticket destination (the agent's context's session cache and the resumption
     *     secret), kept with the session so that the tickets its consumer reads resume the next handshake; or null
     */
    record Outcome(HandshakeReply.Session session, Map<Direction, Placement> placements,
            Map<Direction, CryptoInfo> returned, TrafficSecrets secrets, boolean resumed, long ticketsSent,
            byte[] ticketsForConsumer, ClientSessionTickets clientTickets) {
    }

    /**
     * Runs the handshake to completion on {@code socket} (blocking; {@link Watchdog} aborts it from outside).
     *
     * @throws TlsAlertException, TlsHandshakeException, TlsHandshakeTimeoutException as the handshake failed;
     *     the {@link HandoffSocket#kernelRefusal()} exception when the kernel refused keys
     */
    static Outcome run(KtlsContext context, AdoptedSocket socket, String peerName, HandoffSocket layer,
            boolean keepSecrets) throws IOException {
        TlsHandshake hs = context.newHandshake(socket.channel(), peerName);
        TrafficSecrets secrets = null;
        ClientSessionTickets clientTickets = null;
        try {
            while (hs.step() != TlsHandshake.Status.DONE) {
                // the channel is blocking: step() returns only when done (or throws)
            }
            KtlsConnection connection = hs.connection();
            SessionInfo s = connection.session();
            long tickets = connection.sessionTicketsSent();
            if (keepSecrets) {
                secrets = Handshakes.takeTrafficSecrets(connection).orElse(null); // TLS 1.3 only
                clientTickets = Handshakes.takeClientTickets(connection).orElse(null);
            }
            connection.close(); // zeroes what it still holds; the handoff socket sends nothing and closes nothing
            HandshakeReply.Session session = new HandshakeReply.Session(s.version(), s.cipherSuite().id(),
                    s.applicationProtocol(), s.serverName(), der(s.peerCertificates()), s.pskIdentity(),
                    der(s.localCertificates()), s.resumed(), s.group() == null ? -1 : s.group().id());
            return new Outcome(session, layer.placements(), layer.takeReturned(), secrets, s.resumed(), tickets,
                    layer.takeTicketsForConsumer(), clientTickets);
        } catch (IOException | RuntimeException e) {
            if (secrets != null) {
                secrets.destroy();
            }
            if (clientTickets != null) {
                clientTickets.destroy();
            }
            layer.destroy();
            hs.close();
            throw e;
        }
    }

    private static List<byte[]> der(List<X509Certificate> chain) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (X509Certificate c : chain) {
            try {
                out.add(c.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IOException("cannot encode a certificate: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The reply status for a failed handshake. */
    static AgentStatus statusOf(IOException e, HandoffSocket layer) {
        if (layer.kernelRefusal() != null) {
            return AgentStatus.KERNEL_REFUSED;
        }
        if (e instanceof TlsHandshakeTimeoutException) {
            return AgentStatus.TIMEOUT;
        }
        if (e instanceof TlsAlertException || e instanceof TlsHandshakeException) {
            return AgentStatus.HANDSHAKE_FAILED;
        }
        return AgentStatus.INTERNAL_ERROR;
    }
}
