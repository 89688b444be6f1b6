package io.ktls4j.handshake;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.handshake.spi.EstablishedKeys;
import io.ktls4j.handshake.spi.HandshakeEngine;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.handshake.spi.TrafficSecrets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * {@link HandshakeEngine} on BouncyCastle's non-blocking protocol engine, fed one whole record at a time (so it never
 * consumes a byte past the record that completes the handshake). It is BouncyCastle's completion listener; the key
 * derivation runs there ({@link SecretExtractor}), and BouncyCastle's own secrets are zeroed as soon as the keys are
 * out.
 */
final class BcHandshakeEngine implements HandshakeEngine {
    static final int HEADER = 5;

    private enum State { NEW, RUNNING, COMPLETE, FAILED, CLOSED }

    private final KtlsContext config;
    private final String peerHost;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER);
    private ByteBuffer body;
    private long bytesReceived;
    private ByteBuffer out = ByteBuffer.allocate(0);
    private TlsProtocol protocol;
    private BcClientPeer clientPeer;
    private BcServerPeer serverPeer;
    private State state = State.NEW;
    private SessionKeys keys;
    private SessionInfo info;
    private TlsContext bcContext;
    private int outputAtCompletion;
    private IOException failure;
    private final TlsHandshakeEvent event = new TlsHandshakeEvent();
    /** The hashes BouncyCastle makes for this handshake (for the resumption secret, and the ClientHello rewrite). */
    private final TranscriptTap tap = new TranscriptTap();
    private int peerPort = -1;
    /** Server: the first ClientHello has been seen. */
    private boolean clientHelloSeen;
    /** The key exchange group read from the plaintext hellos, or -1; final once {@link #groupKnown}. */
    private int group = -1;
    private boolean groupKnown;
    /** TLS 1.3 with resumption: resumption_master_secret (zeroed once used), and the suite's hash. */
    private byte[] resumptionMasterSecret;
    /** Server: the NewSessionTickets owed to the client once the keys are installed. */
    private byte[] ticketsToSend;

    BcHandshakeEngine(KtlsContext config, String peerHost) {
        this.config = config;
        this.peerHost = peerHost;
    }

    /** Client: the server's port, which with the host name keys the session cache. Before {@link #start()}. */
    void peerPort(int port) {
        this.peerPort = port;
    }

    @Override
    public Role role() {
        return config.isClient() ? Role.CLIENT : Role.SERVER;
    }

    @Override
    public void start() throws IOException {
        if (state != State.NEW) {
            rethrowIfFailed();
            return;
        }
        state = State.RUNNING;
        event.begin();
        TranscriptTap previous = HandshakeCrypto.enter(tap);
        try {
            HandshakeListener listener = this::completed;
            if (config.isClient()) {
                TlsClientProtocol p = new TlsClientProtocol();
                protocol = p;
                clientPeer = new BcClientPeer(config, peerHost, SessionCache.key(peerHost, peerPort), listener);
                p.connect(clientPeer);
            } else {
                TlsServerProtocol p = new TlsServerProtocol();
                protocol = p;
                serverPeer = new BcServerPeer(config, listener);
                p.accept(serverPeer);
            }
            drainOutput();
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        } finally {
            HandshakeCrypto.exit(previous);
        }
    }

    @Override
    public int offer(ByteBuffer src) throws IOException {
        start();
        int consumed = 0;
        TranscriptTap previous = HandshakeCrypto.enter(tap);
        try {
            while (state == State.RUNNING && src.hasRemaining()) {
                ByteBuffer into = body == null ? header : body;
                int n = Math.min(into.remaining(), src.remaining());
                into.put(into.position(), src, src.position(), n);
                into.position(into.position() + n);
                src.position(src.position() + n);
                consumed += n;
                bytesReceived += n;
                if (into.hasRemaining()) {
                    break;
                }
                if (body == null) {
                    int size = recordSize();
                    body = ByteBuffer.allocate(size - HEADER);
                    if (body.hasRemaining()) {
                        continue;
                    }
                }
                byte[] rest = body.array();
                body = null;
                rest = beforeBouncyCastle(rest);
                header.clear();
                protocol.offerInput(rest); // completes the record whose header BouncyCastle has
                if (keys == null) {
                    drainOutput();
                    continue;
                }
                int after = protocol.getAvailableOutputBytes() - outputAtCompletion;
                drainOutput();
                countRecordsWrittenAfterCompletion(after);
                destroyBouncyCastleSecrets(); // the keys are out; BouncyCastle writes nothing more
                tap.clear();
                state = State.COMPLETE;
                commitEvent("ok");
            }
            return consumed;
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        } finally {
            HandshakeCrypto.exit(previous);
        }
    }

    /**
     * A record's body on its way to BouncyCastle, whose header is in {@link #header}: the client reads the group
     * from the server's plaintext hellos; the server hands on its first ClientHello with the ticket ages zeroed
     * ({@link TranscriptTap}).
     */
    private byte[] beforeBouncyCastle(byte[] record) {
        if (header.get(0) != 22) {
            return record; // not a handshake record
        }
        if (config.isClient()) {
            if (!groupKnown) {
                for (int[] m : Hellos.messages(record, 0, record.length)) {
                    watchGroup(record, m[0]);
                }
            }
            return record;
        }
        if (clientHelloSeen) {
            return record;
        }
        clientHelloSeen = true;
        var messages = Hellos.messages(record, 0, record.length);
        if (config.tickets() == null || messages.size() != 1 || messages.get(0)[1] != record.length) {
            return record;
        }
        var ages = Hellos.ticketAgeOffsets(record, 0);
        if (ages.isEmpty()) {
            return record;
        }
        byte[] rewritten = record.clone();
        for (int at : ages) {
            java.util.Arrays.fill(rewritten, at, at + 4, (byte) 0);
        }
        tap.clientHelloRewritten(record, rewritten);
        return rewritten;
    }

    /** Reads the group from a plaintext ServerHello (not a HelloRetryRequest) or TLS 1.2 ServerKeyExchange. */
    private void watchGroup(byte[] b, int off) {
        int type = b[off] & 0xff;
        if (type == Hellos.SERVER_HELLO) {
            int g = Hellos.serverHelloGroup(b, off);
            if (g >= 0) {
                group = g;
                groupKnown = !isHelloRetryRequest(b, off);
            }
        } else if (type == Hellos.SERVER_KEY_EXCHANGE) {
            group = Hellos.serverKeyExchangeGroup(b, off);
            groupKnown = true;
        }
    }

    private static final byte[] HRR_RANDOM = org.bouncycastle.util.encoders.Hex.decode(
            "CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C");

    private static boolean isHelloRetryRequest(byte[] b, int off) {
        return b.length >= off + 6 + 32 && java.util.Arrays.equals(b, off + 6, off + 38, HRR_RANDOM, 0, 32);
    }

    /**
     * The size of the record whose header has been read. The header goes to BouncyCastle's engine at once (it keeps
     * partial input), which checks it: a malformed one fails there with the fatal alert it deserves queued for the
     * peer, before any of a bogus length is waited for.
     */
    private int recordSize() throws IOException {
        protocol.offerInput(header.array());
        return HEADER + (((header.get(3) & 0xff) << 8) | (header.get(4) & 0xff));
    }

    @Override
    public int bytesWanted() {
        if (state != State.NEW && state != State.RUNNING) {
            return 0;
        }
        return body == null ? header.remaining() : body.remaining();
    }

    @Override
    public int outputBytes() {
        return out.remaining();
    }

    @Override
    public int readOutput(ByteBuffer dst) {
        int n = Math.min(dst.remaining(), out.remaining());
        dst.put(dst.position(), out, out.position(), n);
        dst.position(dst.position() + n);
        out.position(out.position() + n);
        return n;
    }

    /** The pending output itself, for a channel write (its position moves as the channel takes it). */
    ByteBuffer output() {
        return out;
    }

    @Override
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    @Override
    public SessionInfo session() {
        requireComplete();
        return info;
    }

    @Override
    public long bytesReceived() {
        return bytesReceived;
    }

    @Override
    public KtlsConnection handoff(KtlsSocket socket) throws IOException {
        SessionKeys k = takeSessionKeys();
        try {
            socket.install(Direction.TX, k.tx());
            socket.install(Direction.RX, k.rx());
            PostHandshakeDuties duties = k.secrets != null ? Handshakes.inProcessDuties(k.secrets)
                    : Handshakes.noDuties();
            KtlsConnection c = new KtlsConnection(socket, info, role(), duties, config.keyUpdateAfterRecords(),
                    k.tx().recSeq(), true);
            byte[] tickets = takeSessionTickets();
            if (tickets != null) {
                c.sendSessionTickets(tickets);
            }
            ClientTickets clientTickets = takeClientTickets();
            if (clientTickets != null) {
                c.keepSessionTickets(clientTickets);
            }
            return c;
        } catch (IOException | RuntimeException e) {
            if (k.secrets != null) {
                k.secrets.destroy();
            }
            socket.close();
            throw e;
        } finally {
            k.destroyInstalled();
        }
    }

    @Override
    public ClientTickets takeClientTickets() {
        requireComplete();
        if (resumptionMasterSecret == null || clientPeer == null) {
            return null;
        }
        ClientTickets t = new ClientTickets(config.crypto(), config.sessionCache(), clientPeer.sessionKey(),
                info.cipherSuite(), info.peerCertificates(), resumptionMasterSecret);
        resumptionMasterSecret = null;
        return t;
    }

    @Override
    public EstablishedKeys takeKeys() {
        SessionKeys k = takeSessionKeys();
        return new EstablishedKeys() {
            private TrafficSecrets secrets = k.secrets;

            @Override
            public CryptoInfo tx() {
                return k.tx();
            }

            @Override
            public CryptoInfo rx() {
                return k.rx();
            }

            @Override
            public synchronized Optional<TrafficSecrets> takeSecrets() {
                TrafficSecrets s = secrets;
                secrets = null;
                return Optional.ofNullable(s);
            }

            @Override
            public synchronized void destroy() {
                k.destroyInstalled();
                if (secrets != null) {
                    secrets.destroy();
                    secrets = null;
                }
            }

            @Override
            public boolean isDestroyed() {
                return k.tx().isDestroyed() && k.rx().isDestroyed();
            }

            @Override
            public String toString() {
                return "EstablishedKeys[" + k.version + " " + k.suite + "]";
            }
        };
    }

    private SessionKeys takeSessionKeys() {
        requireComplete();
        if (keys == null) {
            throw new IllegalStateException("the session's keys have been handed over already");
        }
        SessionKeys k = keys;
        keys = null;
        return k;
    }

    @Override
    public void close() {
        if (resumptionMasterSecret != null) {
            java.util.Arrays.fill(resumptionMasterSecret, (byte) 0);
            resumptionMasterSecret = null;
        }
        ticketsToSend = null;
        if (state == State.NEW || state == State.RUNNING) {
            fail(new TlsHandshakeException("the handshake was aborted"));
        }
        if (keys != null) {
            keys.destroy();
            keys = null;
        }
        if (state != State.FAILED) {
            state = State.CLOSED;
        }
    }

    /** The failure that ended the handshake, or null. */
    IOException failure() {
        return failure;
    }

    /**
     * Ends the handshake with {@code e} mapped to its typed exception; the alert BouncyCastle raised stays in the
     * output. Every secret is zeroed. Returns the mapped exception (the first one on later calls).
     */
    IOException fail(Throwable e) {
        if (state == State.FAILED) {
            return failure;
        }
        boolean running = state == State.RUNNING;
        state = State.FAILED;
        failure = map(e);
        int before = out.remaining();
        try {
            drainOutput(); // the alert BouncyCastle raised, if any
        } catch (RuntimeException ignored) {
            // the engine is failing anyway
        }
        if (failure instanceof TlsAlertException a && !a.isReceived() && out.remaining() == before) {
            // BouncyCastle queued no alert (bytes that were not TLS at all): say so rather than claim one was sent
            failure = TlsAlertException.detectedNotSent(a.alertDescription(), a.isDuringHandshake(),
                    detail(a), a.getCause());
        }
        if (keys != null) {
            keys.destroy();
            keys = null;
        }
        if (resumptionMasterSecret != null) {
            java.util.Arrays.fill(resumptionMasterSecret, (byte) 0);
            resumptionMasterSecret = null;
        }
        tap.clear();
        destroyBouncyCastleSecrets();
        if (running) {
            commitEvent(failure.getMessage());
        }
        return failure;
    }

    /** The peer's address for the JFR event, when the handshake runs on a socket. */
    void peer(String address) {
        event.peer = address;
    }

    private void commitEvent(String outcome) {
        event.end();
        if (event.shouldCommit()) {
            event.role = role().name();
            if (info != null) {
                event.protocolVersion = info.version().toString();
                event.cipherSuite = info.cipherSuite().name();
                event.applicationProtocol = info.applicationProtocol();
            }
            event.outcome = outcome;
            event.commit();
        }
    }

    private void completed(TlsContext context, String serverName, byte[] pskIdentity) throws IOException {
        SecurityParameters sp = context.getSecurityParametersConnection();
        bcContext = context;
        keys = SecretExtractor.extract(context, config.keyLog());
        boolean sentOurs = sp.getLocalCertificate() != null && !sp.getLocalCertificate().isEmpty();
        boolean resumed = clientPeer != null ? clientPeer.resumed()
                : keys.version == io.ktls4j.TlsVersion.TLS_1_2 ? sp.isResumedSession() && serverPeer.ticket() != null
                : serverPeer.ticket() != null && !sentOurs && pskIdentity == null;
        List<X509Certificate> peer = resumed && clientPeer != null ? clientPeer.offeredTicket().peerCertificates()
                : PeerVerifier.toX509(sp.getPeerCertificate());
        List<X509Certificate> local = sentOurs ? config.credentials().certificateChain() : List.of();
        String alpn = sp.getApplicationProtocol() == null ? null : sp.getApplicationProtocol().getUtf8Decoding();
        if (group < 0 && serverPeer != null) {
            group = serverPeer.tls12Group();
        }
        info = new SessionInfo(keys.version, keys.suite, alpn, serverName, peer, local, pskIdentity, resumed,
                TlsGroup.ofId(group));
        event.resumed = resumed;
        event.group = info.group() == null ? null : info.group().toString();
        outputAtCompletion = protocol.getAvailableOutputBytes();
        if (keys.version == io.ktls4j.TlsVersion.TLS_1_3 && pskIdentity == null
                && (clientPeer != null ? clientPeer.sessionKey() != null
                        : config.tickets() != null && serverPeer.clientTakesTickets())) {
            int hash = Resumption13.hash(keys.suite);
            byte[] transcript = tap.transcriptHash(hash, clientPeer != null ? new byte[0]
                    : Resumption13.finishedMessage(sp.getPeerVerifyData()));
            if (transcript != null) {
                resumptionMasterSecret = Resumption13.resumptionMasterSecret(sp.getMasterSecret(), hash, transcript);
                if (serverPeer != null) {
                    ticketsToSend = issueTickets(resumed ? 1 : config.tickets().count(), serverName, alpn);
                }
            }
        }
    }

    /** Server: {@code count} NewSessionTicket messages for this session; zeroes the resumption secret. */
    private byte[] issueTickets(int count, String serverName, String alpn) throws IOException {
        SessionTickets tickets = config.tickets();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            for (int i = 0; i < count; i++) {
                byte[] nonce = {(byte) i};
                byte[] psk = Resumption13.ticketPsk(config.crypto(), resumptionMasterSecret,
                        Resumption13.hash(keys.suite), nonce);
                SessionTickets.Contents c = new SessionTickets.Contents(tickets.nowMillis(),
                        tickets.lifetime().toSeconds(), tickets.newAgeAdd(), keys.suite, psk, serverName, alpn,
                        false);
                try {
                    out.writeBytes(new Resumption13.NewSessionTicket(c.lifetimeSeconds(), c.ageAdd(), nonce,
                            tickets.seal(c)).encode());
                } finally {
                    c.destroy();
                }
            }
            return out.toByteArray();
        } finally {
            java.util.Arrays.fill(resumptionMasterSecret, (byte) 0);
            resumptionMasterSecret = null;
        }
    }

    @Override
    public byte[] takeSessionTickets() {
        byte[] t = ticketsToSend;
        ticketsToSend = null;
        return t;
    }

    private void requireComplete() {
        if (state != State.COMPLETE) {
            throw new IllegalStateException("the handshake has not completed");
        }
    }

    private void rethrowIfFailed() throws IOException {
        if (state == State.FAILED) {
            throw failure;
        }
        if (state == State.CLOSED) {
            throw new TlsHandshakeException("the handshake was closed");
        }
    }

    private void drainOutput() {
        int n = protocol == null ? 0 : protocol.getAvailableOutputBytes();
        if (n > 0) {
            byte[] b = new byte[n];
            protocol.readOutput(b, 0, n);
            if (serverPeer != null && !groupKnown) {
                watchOutputGroup(b);
            }
            ByteBuffer merged = ByteBuffer.allocate(out.remaining() + n);
            merged.put(out).put(b).flip();
            out = merged;
        }
    }

    /** Server: reads the group from the plaintext hellos among whole records {@code b}. */
    private void watchOutputGroup(byte[] b) {
        int pos = 0;
        while (pos + HEADER <= b.length && !groupKnown) {
            int len = ((b[pos + 3] & 0xff) << 8) | (b[pos + 4] & 0xff);
            if (b[pos] == 22 && pos + HEADER + len <= b.length) {
                byte[] body = java.util.Arrays.copyOfRange(b, pos + HEADER, pos + HEADER + len);
                for (int[] m : Hellos.messages(body, 0, body.length)) {
                    watchGroup(body, m[0]);
                }
            }
            pos += HEADER + len;
        }
    }

    /**
     * Records BouncyCastle wrote under the application keys after completing (none in BouncyCastle 1.82, but counted
     * rather than assumed): the last {@code after} bytes of the output; they move the TX {@code rec_seq} on.
     */
    private void countRecordsWrittenAfterCompletion(int after) {
        if (after <= 0) {
            return;
        }
        int pos = out.limit() - after;
        long records = 0;
        while (pos + HEADER <= out.limit()) {
            int len = ((out.get(pos + 3) & 0xff) << 8) | (out.get(pos + 4) & 0xff);
            pos += HEADER + len;
            records++;
        }
        keys.advanceTx(records);
    }

    /** The detail part of an alert exception's message ("…: detail"), or null. */
    private static String detail(TlsAlertException a) {
        String m = a.getMessage();
        int i = m.indexOf(": ");
        return i < 0 ? null : m.substring(i + 2);
    }

    private IOException map(Throwable e) {
        if (e instanceof TlsFatalAlertReceived r) {
            return new TlsAlertException(r.getAlertDescription(), true, true, null, r);
        }
        if (e instanceof TlsFatalAlert a) {
            short peerAlert = clientPeer != null ? clientPeer.lastAlertReceived()
                    : serverPeer != null ? serverPeer.lastAlertReceived() : -1;
            if (peerAlert == AlertDescription.close_notify) {
                return new TlsHandshakeException("the peer sent close_notify during the handshake", e);
            }
            Throwable cause = a.getCause() != null ? a.getCause() : a;
            String detail = a.getCause() != null ? a.getCause().getMessage() : null;
            if (a.getMessage() != null && a.getMessage().contains("; ")) {
                detail = a.getMessage().substring(a.getMessage().indexOf("; ") + 2);
            }
            return new TlsAlertException(a.getAlertDescription(), false, true, detail, cause);
        }
        if (e instanceof TlsHandshakeException || e instanceof TlsHandshakeTimeoutException
                || e instanceof KtlsException) {
            return (IOException) e; // already typed
        }
        return new TlsHandshakeException("the handshake failed: " + e, e); // I/O errors, BouncyCastle bugs
    }

    private void destroyBouncyCastleSecrets() {
        if (bcContext != null) {
            SecurityParameters sp = bcContext.getSecurityParametersConnection();
            if (sp != null) {
                destroy(sp.getTrafficSecretClient());
                destroy(sp.getTrafficSecretServer());
            }
        }
        if (clientPeer != null) {
            clientPeer.destroySecrets();
        }
        if (serverPeer != null) {
            serverPeer.destroySecrets();
        }
    }

    private static void destroy(TlsSecret s) {
        if (s != null) {
            s.destroy();
        }
    }
}
