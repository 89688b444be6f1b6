package io.ktls4j.handshake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Vector;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CertificateStatusRequest;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsPSK;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/** The BouncyCastle client: offers what the {@link KtlsContext} allows and verifies the server. */
final class BcClientPeer extends DefaultTlsClient {
    private final KtlsContext config;
    private final String host;
    private final HandshakeListener listener;
    private final List<TlsSecret> pskSecrets = new ArrayList<>();
    private byte[] selectedPsk;
    private volatile short lastAlertReceived = -1;
    /** Where sessions with this server are kept ({@code host:port}), or null: no resumption. */
    private final String sessionKey;
    /** The session offered in this handshake (taken out of the cache), or null. */
    private SessionCache.Ticket offered;
    private boolean offerTaken;
    private boolean resumed;

    BcClientPeer(KtlsContext config, String host, String sessionKey, HandshakeListener listener) {
        super(config.crypto());
        this.config = config;
        this.host = host;
        this.sessionKey = config.sessionCache() == null ? null : sessionKey;
        this.listener = listener;
    }

    /** The session offered, or null. */
    SessionCache.Ticket offeredTicket() {
        return offered;
    }

    /** The newest session kept for this server, taken out of the cache once per handshake; null if none. */
    private SessionCache.Ticket offer() {
        if (sessionKey != null && !offerTaken) {
            offerTaken = true;
            offered = config.sessionCache().take(sessionKey);
        }
        return offered != null && config.cipherSuites().contains(offered.suite()) ? offered : null;
    }

    /** Whether the server resumed the session offered. */
    boolean resumed() {
        return resumed;
    }

    String sessionKey() {
        return sessionKey;
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
    @SuppressWarnings({"rawtypes", "unchecked"})
    protected Vector getSupportedGroups(Vector namedGroupRoles) {
        Vector v = new Vector();
        for (int g : BcSupport.groups(getCrypto(), config.groups())) {
            v.add(g);
        }
        return v;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Vector getEarlyKeyShareGroups() {
        // a key share for our most preferred group, and when that is a hybrid one for the first classical group too
        // (for servers without the hybrid); a server wanting another asks with HelloRetryRequest
        if (supportedGroups == null || supportedGroups.isEmpty()) {
            return null;
        }
        Object first = supportedGroups.elementAt(0);
        if (!NamedGroup.refersToASpecificHybrid((Integer) first)) {
            return TlsUtils.vectorOfOne(first);
        }
        Vector v = new Vector();
        v.add(first);
        for (Object g : supportedGroups) {
            if (!NamedGroup.refersToASpecificHybrid((Integer) g)) {
                v.add(g);
                break;
            }
        }
        return v;
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    protected Vector getSNIServerNames() {
        String name = sniName();
        if (name == null) {
            return null;
        }
        Vector v = new Vector();
        v.add(new ServerName(NameType.host_name, name.getBytes(StandardCharsets.US_ASCII)));
        return v;
    }

    String sniName() {
        if (!config.sendSni() || host == null || HostnameMatcher.isIpLiteral(host)) {
            return null;
        }
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected Vector getProtocolNames() {
        return BcSupport.alpn(config.applicationProtocols());
    }

    @Override
    @SuppressWarnings("rawtypes")
    public java.util.Hashtable getClientExtensions() throws IOException {
        java.util.Hashtable ext = super.getClientExtensions();
        if (sessionKey != null) {
            // servers send tickets only to clients that name a PSK mode (RFC 8446 §4.2.9); ours is psk_dhe_ke
            org.bouncycastle.tls.TlsExtensionsUtils.addPSKKeyExchangeModesExtension(ext,
                    new short[] {org.bouncycastle.tls.PskKeyExchangeMode.psk_dhe_ke});
        }
        return ext;
    }

    @Override
    protected CertificateStatusRequest getCertificateStatusRequest() {
        return null; // no OCSP stapling
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Vector getExternalPSKs() {
        Vector v = config.psks().isEmpty() ? new Vector() : BcSupport.psks(getCrypto(), config.psks(), pskSecrets);
        SessionCache.Ticket t = offer();
        if (t != null && !t.tls12()) {
            TlsSecret psk = ((HandshakeCrypto) getCrypto()).resumptionPsk(t.psk().clone());
            pskSecrets.add(psk);
            v.add(new BasicTlsPSKExternal(t.ticket(), psk, Resumption13.prfAlgorithm(t.suite())));
        }
        return v.isEmpty() ? null : v;
    }

    /**
     * TLS 1.2: a kept session offered by its ID (RFC 5246 §7.4.1.2). No RFC 5077 ticket: BouncyCastle's client
     * cannot take the new ticket a server may send when it resumes one, so the server's session cache it is.
     */
    @Override
    public TlsSession getSessionToResume() {
        SessionCache.Ticket t = offer();
        if (t == null || !t.tls12()) {
            return null;
        }
        TlsSecret masterSecret = getCrypto().createSecret(t.psk().clone());
        pskSecrets.add(masterSecret); // BouncyCastle takes its own copy; this one is zeroed with the PSKs
        SessionParameters p = new SessionParameters.Builder().setCipherSuite(t.suite().id())
                .setExtendedMasterSecret(t.extendedMasterSecret()).setNegotiatedVersion(ProtocolVersion.TLSv12)
                .setMasterSecret(masterSecret).build();
        return TlsUtils.importSession(t.sessionId(), p);
    }

    @Override
    public void notifySelectedPSK(TlsPSK selectedPSK) throws IOException {
        super.notifySelectedPSK(selectedPSK);
        byte[] identity = selectedPSK == null ? null : selectedPSK.getIdentity();
        resumed = identity != null && offered != null && !offered.tls12()
                && java.util.Arrays.equals(identity, offered.ticket());
        this.selectedPsk = selectedPSK instanceof TlsPSKExternal && !resumed ? identity : null;
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new TlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                TlsCipherSuite suite = TlsCipherSuite.of(context.getSecurityParametersHandshake().getCipherSuite());
                config.verifier().verifyServer(PeerVerifier.toX509(serverCertificate.getCertificate()), host, suite);
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                Credentials creds = config.credentials();
                if (creds == null) {
                    return null; // the server may go on without a client certificate, or refuse
                }
                boolean tls13 = TlsUtils.isTLSv13(context);
                return Signers.create(context, config.crypto(), creds, request.getSupportedSignatureAlgorithms(),
                        tls13, request.getCertificateRequestContext());
            }
        };
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        lastAlertReceived = alertDescription;
    }

    /** The last alert the server sent during the handshake, or -1. */
    short lastAlertReceived() {
        return lastAlertReceived;
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        if (!TlsUtils.isTLSv13(context)) {
            keepTls12Session();
        }
        listener.handshakeComplete(context, sniName(), selectedPsk);
    }

    /**
     * TLS 1.2: a session the server gave an ID is kept for the next connection; one it resumed goes back (an ID
     * may be resumed more than once, unlike a TLS 1.3 ticket).
     */
    private void keepTls12Session() throws IOException {
        SecurityParameters sp = context.getSecurityParametersConnection();
        resumed = offered != null && offered.tls12() && sp.isResumedSession();
        if (sessionKey == null) {
            return;
        }
        if (resumed) {
            config.sessionCache().add(sessionKey, offered.copy());
            return;
        }
        byte[] id = sp.getSessionID();
        if (id == null || id.length == 0) {
            return; // the server keeps no session for us
        }
        byte[] masterSecret = getCrypto().adoptSecret(sp.getMasterSecret()).extract();
        config.sessionCache().add(sessionKey, SessionCache.Ticket.tls12(id, masterSecret,
                TlsCipherSuite.of(sp.getCipherSuite()), config.sessionCache().nowMillis(), sp.isExtendedMasterSecret(),
                PeerVerifier.toX509(sp.getPeerCertificate())));
    }

    void destroySecrets() {
        BcSupport.destroyAll(pskSecrets);
        if (offered != null) {
            // a TLS 1.3 ticket is used once (RFC 8446 §C.4); a resumed TLS 1.2 session went back as a copy
            offered.destroy();
        }
    }
}
