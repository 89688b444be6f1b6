package io.ktls4j.handshake;

import io.ktls4j.TlsBackend;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * An immutable TLS configuration, reusable for any number of connections: the client or server side of a TLS 1.3 /
 * 1.2 handshake run by BouncyCastle, whose record layer is then handed to a {@link TlsBackend}.
 *
 * <pre>{@code
 * KtlsContext ctx = KtlsContext.forClient().applicationProtocols("http/1.1").build();
 * try (KtlsConnection c = ctx.connect("example.com", 443)) { c.write(...); c.read(...); }
 * }</pre>
 *
 * Blocking use: {@link #connect(SocketChannel, String)} and {@link #accept(SocketChannel)}. Non-blocking use:
 * {@link #newHandshake(SocketChannel, String)} gives a {@link TlsHandshake} to drive from a Selector loop.
 */
public final class KtlsContext {
    private final boolean client;
    private final List<TlsVersion> protocols;
    private final List<TlsCipherSuite> cipherSuites;
    private final List<TlsGroup> groups;
    private final Credentials credentials;
    private final PeerVerifier verifier;
    private final boolean sni;
    private final List<String> applicationProtocols;
    private final ClientAuth clientAuth;
    private final List<ExternalPsk> psks;
    private final Duration handshakeTimeout;
    private final TlsBackend backend;
    private final KeyLog keyLog;
    private final long keyUpdateAfterRecords;
    private final TlsCrypto crypto = HandshakeCrypto.create(HandshakeCrypto.Kind.fromSystemProperty());
    /** Server: the ticket keys (null: no tickets). Client: null. */
    private final SessionTickets tickets;
    /** TLS 1.2 sessions a server keeps by ID: about 300 bytes each, so at most ~600 KiB. */
    private static final int SESSION_ID_CAPACITY = 2048;
    private final SessionIdCache sessionIds;
    /** Client: the tickets kept (null: resumption off). Server: null. */
    private final SessionCache sessionCache;

    /** A client configuration builder. */
    public static KtlsContextBuilder forClient() {
        return new KtlsContextBuilder(true, null);
    }

    /** A server configuration builder with the server's certificate and key. */
    public static KtlsContextBuilder forServer(Credentials credentials) {
        return new KtlsContextBuilder(false, () -> credentials);
    }

    /** A server configuration builder reading the certificate chain and key from PEM files. */
    public static KtlsContextBuilder forServer(Path certificateChainPem, Path privateKeyPem) {
        return new KtlsContextBuilder(false, () -> Credentials.fromPem(certificateChainPem, privateKeyPem));
    }

    /** A server configuration builder for a server that authenticates with {@link ExternalPsk}s only. */
    public static KtlsContextBuilder forServerWithPskOnly() {
        return new KtlsContextBuilder(false, null);
    }

    KtlsContext(KtlsContextBuilder b) throws IOException {
        this.client = b.client;
        this.credentials = b.credentials == null ? null : b.credentials.get();
        X509TrustManager tm = b.insecureTrustAll ? null : b.trust.get();
        this.verifier = new PeerVerifier(tm, client && b.hostnameVerification);
        this.protocols = b.protocols;
        this.groups = b.groups;
        this.sni = b.sni;
        this.applicationProtocols = b.applicationProtocols;
        this.clientAuth = b.clientAuth;
        this.psks = List.copyOf(b.psks);
        this.handshakeTimeout = b.handshakeTimeout;
        this.keyUpdateAfterRecords = b.keyUpdateAfterRecords;
        this.keyLog = b.keyLog != null ? b.keyLog
                : b.keyLogFromEnvironment ? KeyLog.fromEnvironment(b.environment) : null;
        this.cipherSuites = usableSuites(b.cipherSuites);
        if (!psks.isEmpty() && !protocols.contains(TlsVersion.TLS_1_3)) {
            throw new IllegalArgumentException("external PSKs need TLS 1.3");
        }
        if (!client && credentials == null && psks.isEmpty()) {
            throw new IllegalArgumentException("a server needs credentials (a certificate and key) or a PSK");
        }
        this.backend = b.backend != null ? b.backend : defaultBackend();
        boolean resume = b.resumption && HandshakeCrypto.canResume(crypto);
        // a server resumes TLS 1.3 and TLS 1.2 (RFC 5077) sessions; a client TLS 1.3 ones
        this.tickets = resume && !client && clientAuth == ClientAuth.NONE
                ? new SessionTickets(b.ticketCount, b.ticketLifetime, b.clock) : null;
        this.sessionCache = resume && client && protocols.contains(TlsVersion.TLS_1_3) ? new SessionCache(b.clock)
                : null;
        this.sessionIds = tickets != null && protocols.contains(TlsVersion.TLS_1_2)
                ? new SessionIdCache(SESSION_ID_CAPACITY) : null;
    }

    /**
     * The backend of contexts that name none: the class in system property {@code ktls4j.backend} (a
     * {@link TlsBackend} with a public no-argument constructor, e.g. {@code io.ktls4j.linux.KernelBackend}), else
     * the kernel per direction where it takes the keys and the software backend where it cannot
     * ({@code Ktls.backend(BackendPolicy.AUTO)}).
     */
    static TlsBackend defaultBackend() {
        String name = System.getProperty("ktls4j.backend");
        if (name == null || name.isBlank()) {
            return io.ktls4j.linux.Ktls.backend(io.ktls4j.linux.BackendPolicy.AUTO);
        }
        try {
            return (TlsBackend) Class.forName(name.trim()).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("ktls4j.backend=" + name
                    + " is not a TlsBackend with a public no-argument constructor on the class path", e);
        }
    }

    private List<TlsCipherSuite> usableSuites(List<TlsCipherSuite> wanted) {
        List<TlsCipherSuite> out = new ArrayList<>();
        for (TlsCipherSuite s : wanted) {
            if (!protocols.contains(s.version())) {
                continue;
            }
            if (!client && s.version() == TlsVersion.TLS_1_2
                    && (credentials == null || !credentials.canAuthenticate(s.keyType()))) {
                continue; // a TLS 1.2 suite our key cannot sign for
            }
            out.add(s);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no cipher suite of " + wanted + " can be used with protocols "
                    + protocols + (client || credentials == null ? "" : " and the " + credentials));
        }
        return List.copyOf(out);
    }

    /** Opens a TCP connection and runs a blocking client handshake; the host name is verified and sent as SNI. */
    public KtlsConnection connect(String host, int port) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
        try {
            return connect(ch, host);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Runs a client handshake on a connected channel, blocking until it completes or the handshake timeout passes.
     * The channel keeps its blocking mode. On failure the channel is closed.
     *
     * @param host the server's name: checked against its certificate and sent as SNI; null only when hostname
     *     verification is off
     */
    public KtlsConnection connect(SocketChannel channel, String host) throws IOException {
        requireRole(true);
        return newHandshake(channel, host).runToCompletion();
    }

    /** Runs a server handshake on an accepted channel, blocking until it completes or times out. */
    public KtlsConnection accept(SocketChannel channel) throws IOException {
        requireRole(false);
        return newHandshake(channel, null).runToCompletion();
    }

    /**
     * Starts a handshake to drive step by step (non-blocking channels, Selector loops). Nothing is sent until the
     * first {@link TlsHandshake#step()}.
     *
     * @param peerHost client: the server's host name (verification and SNI); server: ignored
     */
    public TlsHandshake newHandshake(SocketChannel channel, String peerHost) {
        checkPeerHost(peerHost);
        return new TlsHandshake(this, channel, peerHost);
    }

    void checkPeerHost(String peerHost) {
        if (client && verifier.verifiesHostname() && peerHost == null && psks.isEmpty()) {
            throw new IllegalArgumentException("hostname verification needs the server's host name; pass it, or "
                    + "turn verification off with hostnameVerification(false)");
        }
    }

    public boolean isClient() {
        return client;
    }

    public List<TlsVersion> protocols() {
        return protocols;
    }

    /** The suites this context offers or accepts, in preference order (server: those its key can use). */
    public List<TlsCipherSuite> cipherSuites() {
        return cipherSuites;
    }

    public List<TlsGroup> groups() {
        return groups;
    }

    public List<String> applicationProtocols() {
        return applicationProtocols;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    public TlsBackend backend() {
        return backend;
    }

    /**
     * Client: the TLS 1.3 sessions kept for resumption (save and load them to resume across processes); null on a
     * server or with {@link KtlsContextBuilder#sessionResumption(boolean) resumption} off.
     */
    public SessionCache sessionCache() {
        return sessionCache;
    }

    /**
     * Server: whether session tickets are issued: TLS 1.3 NewSessionTickets after handshakes, and in TLS 1.2 handshakes
     * an RFC 5077 ticket to a client that asks for one.
     */
    public boolean issuesSessionTickets() {
        return tickets != null;
    }

    SessionTickets tickets() {
        return tickets;
    }

    /** Server: TLS 1.2 sessions by ID, for clients that take no tickets; null when resumption is off. */
    SessionIdCache sessionIds() {
        return sessionIds;
    }

    /** The key log file, or null when key logging is off (the default). */
    public Path keyLogFile() {
        return keyLog == null ? null : keyLog.file();
    }

    Credentials credentials() {
        return credentials;
    }

    PeerVerifier verifier() {
        return verifier;
    }

    boolean sendSni() {
        return sni;
    }

    List<ExternalPsk> psks() {
        return psks;
    }

    KeyLog keyLog() {
        return keyLog;
    }

    long keyUpdateAfterRecords() {
        return keyUpdateAfterRecords;
    }

    TlsCrypto crypto() {
        return crypto;
    }

    private void requireRole(boolean wantClient) {
        if (client != wantClient) {
            throw new IllegalStateException("this is a " + (client ? "client" : "server") + " context");
        }
    }

    @Override
    public String toString() {
        return "KtlsContext[" + (client ? "client" : "server") + ", " + protocols + ", " + cipherSuites.size()
                + " suites, " + groups + (applicationProtocols.isEmpty() ? "" : ", alpn=" + applicationProtocols)
                + (client ? "" : ", clientAuth=" + clientAuth) + (verifier.verifiesHostname() ? "" : ", no hostname check")
                + ", backend=" + backend.name() + (tickets != null ? ", tickets" : "")
                + (sessionCache != null ? ", resumes" : "") + (keyLog != null ? ", KEY LOG ON" : "") + "]";
    }
}
