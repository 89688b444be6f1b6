package io.ktls4j.handshake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Vector;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CertificateStatusRequest;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NameType;
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

    BcClientPeer(KtlsContext config, String host, HandshakeListener listener) {
        super(config.crypto());
        this.config = config;
        this.host = host;
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
        // one key share, for our most preferred group (a server wanting another asks with HelloRetryRequest)
        return supportedGroups == null || supportedGroups.isEmpty() ? null
                : TlsUtils.vectorOfOne(supportedGroups.elementAt(0));
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
    protected CertificateStatusRequest getCertificateStatusRequest() {
        return null; // no OCSP stapling
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Vector getExternalPSKs() {
        return config.psks().isEmpty() ? null : BcSupport.psks(getCrypto(), config.psks(), pskSecrets);
    }

    @Override
    public void notifySelectedPSK(TlsPSK selectedPSK) throws IOException {
        super.notifySelectedPSK(selectedPSK);
        this.selectedPsk = selectedPSK instanceof TlsPSKExternal ? selectedPSK.getIdentity() : null;
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
    }
}
