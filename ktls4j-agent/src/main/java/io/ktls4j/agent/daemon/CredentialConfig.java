package io.ktls4j.agent.daemon;

import io.ktls4j.TlsVersion;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.handshake.ClientAuth;
import io.ktls4j.handshake.Credentials;
import io.ktls4j.handshake.ExternalPsk;
import io.ktls4j.handshake.TlsCipherSuite;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.net.ssl.X509TrustManager;

/**
 * One configured credential ({@code [credential NAME]}): what the agent may present, what it trusts, who may use it
 * and what it does when the kernel cannot take a direction. Immutable; {@link #toString()} shows no secret.
 *
 * @param certificate the certificate chain and private key, or null (PSK only)
 * @param trust verifies peers (the client side, and servers with client authentication)
 * @param psk the TLS 1.3 external PSK, or null
 * @param allowUids uids allowed to use the credential
 * @param allowGids groups (primary or supplementary) allowed to use it
 * @param anyone {@code *} in an allow list: anyone who can connect to the agent's socket
 * @param timeout the handshake timeout when the request gives none
 * @param sessionTickets whether server handshakes issue TLS 1.3 session tickets and client handshakes keep those they
 *     are sent (and so resume)
 */
public record CredentialConfig(String name, Credentials certificate, X509TrustManager trust, ExternalPsk psk,
        ClientAuth clientAuth, Set<Side> sides, List<TlsVersion> protocols, List<TlsCipherSuite> cipherSuites,
        Set<Integer> allowUids, Set<Integer> allowGids, boolean anyone, boolean allowSoftwareReturn,
        Duration timeout, boolean sessionTickets) {

    public CredentialConfig {
        sides = Set.copyOf(sides);
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        allowUids = Set.copyOf(allowUids);
        allowGids = Set.copyOf(allowGids);
        if (certificate == null && psk == null) {
            throw new IllegalArgumentException("credential " + name + " has neither a certificate and key nor a PSK");
        }
    }

    @Override
    public String toString() {
        return "credential " + name + " [" + (certificate == null ? "" : certificate + " ") + (psk == null ? "" : psk + " ")
                + "sides=" + sides + ", allow-uid=" + allowUids + ", allow-gid=" + allowGids + (anyone ? ", anyone" : "")
                + (allowSoftwareReturn ? ", allow-software-return" : "") + (sessionTickets ? "" : ", no session tickets")
                + "]";
    }
}
