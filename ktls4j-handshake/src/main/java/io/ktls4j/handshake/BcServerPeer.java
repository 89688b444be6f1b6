package io.ktls4j.handshake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Vector;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ExtensionType;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.NewSessionTicket;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/** The BouncyCastle server: selects by our preference, signs with our credentials, checks client certificates. */
final class BcServerPeer extends DefaultTlsServer {
    private static final Integer SESSION_TICKET = org.bouncycastle.util.Integers.valueOf(ExtensionType.session_ticket);

    private final KtlsContext config;
    private final HandshakeListener listener;
    private final List<TlsSecret> pskSecrets = new ArrayList<>();
    private byte[] selectedPsk;
    private volatile short lastAlertReceived = -1;
    /** The ticket of the session being resumed (offered by the client and opened), or null. */
    private SessionTickets.Contents ticket;
    /** TLS 1.2: the ECDHE group selected, or -1. */
    private int tls12Group = -1;
    /** TLS 1.2 (RFC 5077): the client's SessionTicket extension (empty: it asks for a ticket), or null. */
    private byte[] clientTicket12;

    BcServerPeer(KtlsContext config, HandshakeListener listener) {
        super(config.crypto());
        this.config = config;
        this.listener = listener;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return BcSupport.versions(config.protocols());
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return BcSupport.cipherSuites(getCrypto(), config.cipherSuites());
    }

    @Override
    protected boolean preferLocalCipherSuites() {
        return true;
    }

    @Override
    public boolean preferLocalSupportedGroups() {
        return true; // the hybrid groups first
    }

    @Override
    public int getSelectedCipherSuite() throws IOException {
        // a resumed session keeps its suite (its PSK is bound to the suite's hash, RFC 8446 §4.6.1)
        if (ticket != null && TlsUtils.isTLSv13(context) && selectCipherSuite(ticket.suite().id())) {
            return ticket.suite().id();
        }
        return super.getSelectedCipherSuite();
    }

    @Override
    public int[] getSupportedGroups() {
        return BcSupport.groups(getCrypto(), config.groups());
    }

    @Override
    protected int selectECDH(int minimumCurveBits) {
        // TLS 1.2: the first group the client offers that we enabled
        tls12Group = selectEcdhGroup(minimumCurveBits);
        return tls12Group;
    }

    /** TLS 1.2: the group selected for ECDHE, or -1. */
    int tls12Group() {
        return tls12Group;
    }

    /** Whether the client may be sent tickets: it named psk_dhe_ke, the only mode we resume (RFC 8446 §4.2.9). */
    boolean clientTakesTickets() throws IOException {
        short[] modes = clientExtensions == null ? null
                : org.bouncycastle.tls.TlsExtensionsUtils.getPSKKeyExchangeModesExtension(clientExtensions);
        return modes != null && org.bouncycastle.util.Arrays.contains(modes,
                org.bouncycastle.tls.PskKeyExchangeMode.psk_dhe_ke);
    }

    /** The ticket resumed, or null. */
    SessionTickets.Contents ticket() {
        return ticket;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void processClientExtensions(Hashtable clientExtensions) throws IOException {
        super.processClientExtensions(clientExtensions);
        clientTicket12 = TlsUtils.getExtensionData(clientExtensions, SESSION_TICKET);
    }

    /**
     * TLS 1.2: the session the client's ticket names (RFC 5077 §3.4; the client sends a session ID for us to echo), or
     * else the one we keep under its session ID, when we issued it, it has not expired and it names a TLS 1.2 suite we
     * enable and the client offers; else null (a full handshake follows, with a fresh ticket or ID). BouncyCastle still
     * declines it when the extended master secret negotiation differs from the session's.
     */
    @Override
    public TlsSession getSessionToResume(byte[] sessionID) {
        if (config.tickets() == null || sessionID == null || sessionID.length == 0) {
            return null;
        }
        SessionTickets.Contents c = clientTicket12 != null && clientTicket12.length > 0
                ? config.tickets().open(clientTicket12) : null;
        if (c == null && config.sessionIds() != null) {
            c = config.sessionIds().get(sessionID, config.tickets().nowMillis());
        }
        if (c == null) {
            return null;
        }
        if (c.suite().version() != io.ktls4j.TlsVersion.TLS_1_2 || !config.cipherSuites().contains(c.suite())
                || offeredCipherSuites == null
                || !org.bouncycastle.util.Arrays.contains(offeredCipherSuites, c.suite().id())) {
            c.destroy();
            return null;
        }
        ticket = c;
        TlsSecret masterSecret = getCrypto().createSecret(c.psk().clone());
        pskSecrets.add(masterSecret); // BouncyCastle takes its own copy; this one is zeroed with the PSKs
        SessionParameters p = new SessionParameters.Builder().setCipherSuite(c.suite().id())
                .setExtendedMasterSecret(c.extendedMasterSecret()).setNegotiatedVersion(ProtocolVersion.TLSv12)
                .setMasterSecret(masterSecret).build();
        return TlsUtils.importSession(sessionID, p);
    }

    /**
     * TLS 1.2: a session ID for a client that takes no ticket (its session is kept in {@link SessionIdCache} when the
     * handshake completes); none for one that does (RFC 5077 §3.4: it discards the ID once it has the ticket).
     */
    @Override
    public byte[] getNewSessionID() {
        return config.sessionIds() != null && clientTicket12 == null && !TlsUtils.isTLSv13(context)
                ? config.sessionIds().newId() : null;
    }

    /** TLS 1.2: a ticket goes to a client that asked for one (an empty or stale SessionTicket extension). */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Hashtable getServerExtensions() throws IOException {
        Hashtable ext = super.getServerExtensions();
        if (config.tickets() != null && clientTicket12 != null && !TlsUtils.isTLSv13(context)) {
            ext.put(SESSION_TICKET, TlsUtils.EMPTY_BYTES);
        }
        return ext;
    }

    /** TLS 1.2: the RFC 5077 ticket for this session, sealed under our ticket keys. */
    @Override
    public NewSessionTicket getNewSessionTicket() throws IOException {
        SessionTickets tickets = config.tickets();
        SecurityParameters sp = context.getSecurityParametersHandshake();
        byte[] masterSecret = getCrypto().adoptSecret(sp.getMasterSecret()).extract();
        String alpn = sp.getApplicationProtocol() == null ? null : sp.getApplicationProtocol().getUtf8Decoding();
        SessionTickets.Contents c = new SessionTickets.Contents(tickets.nowMillis(), tickets.lifetime().toSeconds(),
                0, TlsCipherSuite.of(sp.getCipherSuite()), masterSecret, sni(sp), alpn, sp.isExtendedMasterSecret());
        try {
            return new NewSessionTicket(c.lifetimeSeconds(), tickets.seal(c));
        } finally {
            c.destroy();
        }
    }

    private int selectEcdhGroup(int minimumCurveBits) {
        int[] offered = context.getSecurityParametersHandshake().getClientSupportedGroups();
        int[] ours = getSupportedGroups();
        if (offered == null) {
            for (int g : ours) {
                if (NamedGroup.refersToAnECDHCurve(g) && NamedGroup.getCurveBits(g) >= minimumCurveBits) {
                    return g;
                }
            }
            return -1;
        }
        for (int g : offered) {
            for (int o : ours) {
                if (g == o && NamedGroup.refersToAnECDHCurve(g) && NamedGroup.getCurveBits(g) >= minimumCurveBits) {
                    return g;
                }
            }
        }
        return -1;
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected Vector getProtocolNames() {
        return BcSupport.alpn(config.applicationProtocols());
    }

    @Override
    public TlsCredentials getCredentials() throws IOException {
        Credentials creds = config.credentials();
        if (creds == null) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure,
                    "this server authenticates with a PSK only, and the client offered none that matches");
        }
        boolean tls13 = TlsUtils.isTLSv13(context);
        return Signers.create(context, config.crypto(), creds,
                context.getSecurityParametersHandshake().getClientSigAlgs(), tls13, TlsUtils.EMPTY_BYTES);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public TlsPSKExternal getExternalPSK(Vector identities) {
        for (Object o : identities) {
            byte[] offered = ((PskIdentity) o).getIdentity();
            for (ExternalPsk psk : config.psks()) {
                if (psk.matches(offered)) {
                    selectedPsk = offered.clone();
                    return BcSupport.toBc(getCrypto(), psk, pskSecrets);
                }
            }
        }
        return config.tickets() == null ? null : resumable(identities);
    }

    /**
     * The first offered TLS 1.3 ticket that we issued, has not expired and names a suite we enable and the client
     * offers.
     */
    @SuppressWarnings("rawtypes")
    private TlsPSKExternal resumable(Vector identities) {
        for (Object o : identities) {
            byte[] offered = ((PskIdentity) o).getIdentity();
            SessionTickets.Contents c = config.tickets().open(offered);
            if (c == null) {
                continue;
            }
            // a TLS 1.2 ticket's secret is a master secret, never a TLS 1.3 PSK
            if (c.suite().version() != io.ktls4j.TlsVersion.TLS_1_3 || !config.cipherSuites().contains(c.suite())
                    || offeredCipherSuites == null
                    || !org.bouncycastle.util.Arrays.contains(offeredCipherSuites, c.suite().id())) {
                c.destroy();
                continue;
            }
            ticket = c;
            TlsSecret psk = ((HandshakeCrypto) getCrypto()).resumptionPsk(c.psk().clone());
            pskSecrets.add(psk);
            return new BasicTlsPSKExternal(offered, psk, Resumption13.prfAlgorithm(c.suite()));
        }
        return null;
    }

    @Override
    public CertificateRequest getCertificateRequest() throws IOException {
        if (config.clientAuth() == ClientAuth.NONE) {
            return null;
        }
        @SuppressWarnings("rawtypes")
        Vector sigAlgs = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
        if (TlsUtils.isTLSv13(context)) {
            return new CertificateRequest(TlsUtils.EMPTY_BYTES, sigAlgs, null, null);
        }
        return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign},
                sigAlgs, null);
    }

    @Override
    public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
        if (clientCertificate == null || clientCertificate.isEmpty()) {
            if (config.clientAuth() == ClientAuth.REQUIRE) {
                throw new TlsFatalAlert(TlsUtils.isTLSv13(context) ? AlertDescription.certificate_required
                        : AlertDescription.handshake_failure, "a client certificate is required");
            }
            return;
        }
        config.verifier().verifyClient(PeerVerifier.toX509(clientCertificate));
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        lastAlertReceived = alertDescription;
    }

    short lastAlertReceived() {
        return lastAlertReceived;
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        keepSessionById();
        listener.handshakeComplete(context, clientSni(), selectedPsk);
    }

    /** TLS 1.2: a full handshake that gave the client a session ID keeps the session under it. */
    private void keepSessionById() {
        SecurityParameters sp = context.getSecurityParametersConnection();
        SessionIdCache ids = config.sessionIds();
        if (ids == null || TlsUtils.isTLSv13(context) || sp.isResumedSession() || sp.getSessionID() == null
                || sp.getSessionID().length == 0) {
            return;
        }
        byte[] masterSecret = getCrypto().adoptSecret(sp.getMasterSecret()).extract();
        String alpn = sp.getApplicationProtocol() == null ? null : sp.getApplicationProtocol().getUtf8Decoding();
        SessionTickets tickets = config.tickets();
        ids.put(sp.getSessionID(), new SessionTickets.Contents(tickets.nowMillis(), tickets.lifetime().toSeconds(), 0,
                TlsCipherSuite.of(sp.getCipherSuite()), masterSecret, sni(sp), alpn, sp.isExtendedMasterSecret()));
    }

    private String clientSni() {
        return sni(context.getSecurityParametersConnection());
    }

    private static String sni(SecurityParameters sp) {
        Vector<?> names = sp.getClientServerNames();
        if (names != null) {
            for (Object o : names) {
                ServerName n = (ServerName) o;
                if (n.getNameType() == NameType.host_name) {
                    return new String(n.getNameData(), StandardCharsets.US_ASCII);
                }
            }
        }
        return null;
    }

    void destroySecrets() {
        BcSupport.destroyAll(pskSecrets);
        if (ticket != null) {
            ticket.destroy();
        }
    }
}
