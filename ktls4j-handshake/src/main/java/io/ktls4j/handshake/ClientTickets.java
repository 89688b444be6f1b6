package io.ktls4j.handshake;

import io.ktls4j.handshake.spi.ClientSessionTickets;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * A client connection's side of TLS 1.3 resumption: turns each NewSessionTicket the server sends after the
 * handshake into a {@link SessionCache} entry (the ticket and its PSK, derived from this connection's
 * {@code resumption_master_secret} and the ticket's nonce). Holds that secret until {@link #destroy()}.
 */
final class ClientTickets implements ClientSessionTickets {
    private final TlsCrypto crypto;
    private final SessionCache cache;
    private final String server;
    private final TlsCipherSuite suite;
    private final List<X509Certificate> peerCertificates;
    private byte[] resumptionMasterSecret;

    /** Takes {@code resumptionMasterSecret}. */
    ClientTickets(TlsCrypto crypto, SessionCache cache, String server, TlsCipherSuite suite,
            List<X509Certificate> peerCertificates, byte[] resumptionMasterSecret) {
        this.crypto = crypto;
        this.cache = cache;
        this.server = server;
        this.suite = suite;
        this.peerCertificates = List.copyOf(peerCertificates);
        this.resumptionMasterSecret = resumptionMasterSecret;
    }

    @Override
    public synchronized void keep(PostHandshakeMessages.Message ticket) throws IOException {
        Resumption13.NewSessionTicket t = Resumption13.NewSessionTicket.parse(ticket.body());
        if (resumptionMasterSecret == null) {
            return;
        }
        byte[] psk = Resumption13.ticketPsk(crypto, resumptionMasterSecret, Resumption13.hash(suite), t.nonce());
        cache.add(server, new SessionCache.Ticket(t.ticket(), psk, suite, cache.nowMillis(),
                Math.min(t.lifetimeSeconds(), 7 * 24 * 3600L), t.ageAdd(), peerCertificates));
    }

    @Override
    public synchronized void destroy() {
        if (resumptionMasterSecret != null) {
            Arrays.fill(resumptionMasterSecret, (byte) 0);
            resumptionMasterSecret = null;
        }
    }

    @Override
    public String toString() {
        return "ClientTickets[" + server + ", " + suite + "]";
    }
}
