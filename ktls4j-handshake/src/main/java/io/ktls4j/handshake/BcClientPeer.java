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
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsPSK;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsServerCertificate;
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
    /** Where tickets for this server are kept ({@code host:port}), or null: no resumption. */
    private final String sessionKey;
    /** The ticket offered in this handshake (taken out of the cache), or null. */
    private SessionCache.Ticket offered;
    private boolean resumed;

    BcClientPeer(KtlsContext config, String host, String sessionKey, HandshakeListener listener) {
        super(config.crypto());
        this.config = config;
        this.host = host;
        this.sessionKey = config.sessionCache() == null ? null : sessionKey;
        this.listener = listener;
    }

    /** The ticket offered, or null. */
    SessionCache.Ticket offeredTicket() {
        return offered;
    }

    /** Whether the server resumed the ticket offered. */
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
        if (sessionKey != null) {
            if (offered == null) {
                offered = config.sessionCache().take(sessionKey);
            }
            if (offered != null && config.cipherSuites().contains(offered.suite())) {
                TlsSecret psk = ((HandshakeCrypto) getCrypto()).resumptionPsk(offered.psk().clone());
                pskSecrets.add(psk);
                v.add(new BasicTlsPSKExternal(offered.ticket(), psk, Resumption13.prfAlgorithm(offered.suite())));
            }
        }
        return v.isEmpty() ? null : v;
    }

    @Override
    public void notifySelectedPSK(TlsPSK selectedPSK) throws IOException {
        super.notifySelectedPSK(selectedPSK);
        byte[] identity = selectedPSK == null ? null : selectedPSK.getIdentity();
        resumed = identity != null && offered != null && java.util.Arrays.equals(identity, offered.ticket());
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
        listener.handshakeComplete(context, sniName(), selectedPsk);
    }

    void destroySecrets() {
        BcSupport.destroyAll(pskSecrets);
        if (offered != null) {
            offered.destroy(); // used once (RFC 8446 §C.4)
        }
    }
}
