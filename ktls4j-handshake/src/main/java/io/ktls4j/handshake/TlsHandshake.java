package io.ktls4j.handshake;

import io.ktls4j.Direction;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.cert.X509Certificate;
import java.util.List;
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
 * One handshake, driven step by step: BouncyCastle's non-blocking protocol engine is fed one record at a time from
 * the channel, its output is written back, and when it completes the record-layer keys are installed on a
 * {@link KtlsSocket} (after everything BouncyCastle still had to send has been written: tls-offload.rst "pre-TLS
 * data").
 *
 * <p>Non-blocking use: call {@link #step()} whenever the channel is ready for {@link #interestOps()}, selecting with
 * at most {@link #remainingMillis()}; when it returns {@link Status#DONE}, {@link #connection()} is ready. Any
 * failure closes the channel, zeroes every secret and throws a typed exception: {@link TlsAlertException},
 * {@link TlsHandshakeException}, {@link TlsHandshakeTimeoutException}, or a record-layer {@link KtlsException}.
 */
public final class TlsHandshake implements AutoCloseable, HandshakeListener {
    /** What the handshake needs next. */
    public enum Status { NEEDS_READ, NEEDS_WRITE, DONE }

    private enum State { NEW, RUNNING, DONE, FAILED }

    private final KtlsContext config;
    private final SocketChannel channel;
    private final String peerHost;
    private final HandshakeRecordReader reader = new HandshakeRecordReader();
    private ByteBuffer out = ByteBuffer.allocate(0);
    private TlsProtocol protocol;
    private BcClientPeer clientPeer;
    private BcServerPeer serverPeer;
    private State state = State.NEW;
    private Status last = Status.NEEDS_WRITE;
    private long deadline;
    private SessionKeys keys;
    private SessionInfo info;
    private TlsContext bcContext;
    private int outputAtCompletion;
    private KtlsConnection connection;
    private IOException failure;

    TlsHandshake(KtlsContext config, SocketChannel channel, String peerHost) {
        this.config = config;
        this.channel = channel;
        this.peerHost = peerHost;
    }

    /**
     * Advances the handshake as far as it can without blocking (on a blocking channel it blocks until done).
     *
     * @return what the handshake waits for, or DONE
     */
    public synchronized Status step() throws IOException {
        if (state == State.DONE) {
            return Status.DONE;
        }
        if (state == State.FAILED) {
            throw failure;
        }
        try {
            if (state == State.NEW) {
                start();
            }
            while (true) {
                checkDeadline();
                drainOutput();
                if (out.hasRemaining()) {
                    channel.write(out);
                    if (out.hasRemaining()) {
                        return last = Status.NEEDS_WRITE;
                    }
                }
                if (keys != null) {
                    handoff();
                    return last = Status.DONE;
                }
                byte[] record = reader.next(channel, protocol);
                if (record == null) {
                    return last = Status.NEEDS_READ;
                }
                protocol.offerInput(record);
                if (keys != null) {
                    countRecordsWrittenAfterCompletion();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        }
    }

    /** The selection key interest for the next {@link #step()}: OP_READ or OP_WRITE (0 when done). */
    public synchronized int interestOps() {
        return switch (last) {
            case NEEDS_READ -> SelectionKey.OP_READ;
            case NEEDS_WRITE -> SelectionKey.OP_WRITE;
            case DONE -> 0;
        };
    }

    /** Milliseconds left before the handshake times out: the full timeout before the first step, 0 once ended. */
    public synchronized long remainingMillis() {
        if (state == State.NEW) {
            return config.handshakeTimeout().toMillis();
        }
        if (state != State.RUNNING) {
            return 0;
        }
        return Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
    }

    /** The established connection once {@link #step()} returned DONE. */
    public synchronized KtlsConnection connection() {
        if (state != State.DONE) {
            throw new IllegalStateException("the handshake has not completed");
        }
        return connection;
    }

    /** Aborts an unfinished handshake: closes the channel and zeroes the secrets. No effect once done. */
    @Override
    public synchronized void close() {
        if (state == State.NEW || state == State.RUNNING) {
            fail(new TlsHandshakeException("the handshake was aborted"));
        }
    }

    /** Blocking drive with a private Selector, honouring the timeout; restores the channel's blocking mode. */
    KtlsConnection runToCompletion() throws IOException {
        boolean wasBlocking = channel.isBlocking();
        try {
            try (Selector selector = Selector.open()) {
                if (wasBlocking) {
                    channel.configureBlocking(false);
                }
                SelectionKey key = channel.register(selector, 0);
                for (Status s = step(); s != Status.DONE; s = step()) {
                    key.interestOps(interestOps());
                    long ms = remainingMillis();
                    if (ms > 0) {
                        selector.select(ms);
                        selector.selectedKeys().clear();
                    }
                }
            }
            if (wasBlocking) {
                channel.configureBlocking(true);
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            close();
            if (connection != null) {
                connection.close();
            }
            throw e;
        }
    }

    @Override
    public void handshakeComplete(TlsContext context, String serverName, byte[] pskIdentity) throws IOException {
        SecurityParameters sp = context.getSecurityParametersConnection();
        bcContext = context;
        keys = SecretExtractor.extract(context, config.keyLog());
        List<X509Certificate> peer = PeerVerifier.toX509(sp.getPeerCertificate());
        boolean sentOurs = sp.getLocalCertificate() != null && !sp.getLocalCertificate().isEmpty();
        List<X509Certificate> local = sentOurs ? config.credentials().certificateChain() : List.of();
        String alpn = sp.getApplicationProtocol() == null ? null : sp.getApplicationProtocol().getUtf8Decoding();
        info = new SessionInfo(keys.version, keys.suite, alpn, serverName, peer, local, pskIdentity);
        outputAtCompletion = protocol.getAvailableOutputBytes();
    }

    private void start() throws IOException {
        if (!channel.isConnected()) {
            throw new NotYetConnectedException();
        }
        state = State.RUNNING;
        deadline = System.nanoTime() + config.handshakeTimeout().toNanos();
        if (config.isClient()) {
            TlsClientProtocol p = new TlsClientProtocol();
            protocol = p;
            clientPeer = new BcClientPeer(config, peerHost, this);
            p.connect(clientPeer);
        } else {
            TlsServerProtocol p = new TlsServerProtocol();
            protocol = p;
            serverPeer = new BcServerPeer(config, this);
            p.accept(serverPeer);
        }
    }

    private void checkDeadline() throws TlsHandshakeTimeoutException {
        if (System.nanoTime() - deadline > 0) {
            throw new TlsHandshakeTimeoutException("the TLS handshake did not complete within "
                    + config.handshakeTimeout().toMillis() + " ms (" + reader.bytesRead() + " bytes received)");
        }
    }

    private void drainOutput() {
        int n = protocol == null ? 0 : protocol.getAvailableOutputBytes();
        if (n > 0) {
            byte[] b = new byte[n];
            protocol.readOutput(b, 0, n);
            ByteBuffer merged = ByteBuffer.allocate(out.remaining() + n);
            merged.put(out).put(b).flip();
            out = merged;
        }
    }

    /** Records BouncyCastle wrote under the application keys after completing (counted into the TX rec_seq). */
    private void countRecordsWrittenAfterCompletion() {
        int after = protocol.getAvailableOutputBytes() - outputAtCompletion;
        if (after <= 0) {
            return;
        }
        int before = out.remaining();
        drainOutput();
        int pos = out.position() + before + outputAtCompletion;
        long records = 0;
        while (pos + HandshakeRecordReader.HEADER <= out.limit()) {
            int len = ((out.get(pos + 3) & 0xff) << 8) | (out.get(pos + 4) & 0xff);
            pos += HandshakeRecordReader.HEADER + len;
            records++;
        }
        keys.advanceTx(records);
    }

    private void handoff() throws IOException {
        KtlsSocket socket = config.backend().attach(channel);
        try {
            socket.install(Direction.TX, keys.tx());
            socket.install(Direction.RX, keys.rx());
            PostHandshakeDuties duties = keys.secrets != null ? new InProcessDuties(keys.secrets)
                    : PostHandshakeDuties.none();
            connection = new KtlsConnection(socket, info, config.isClient() ? Role.CLIENT : Role.SERVER, duties,
                    config.keyUpdateAfterRecords(), keys.tx().recSeq(), true);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        } finally {
            keys.destroyInstalled();
            destroyBouncyCastleSecrets();
        }
        state = State.DONE;
    }

    private IOException fail(Throwable e) {
        IOException mapped = map(e);
        if (state == State.FAILED) {
            return failure;
        }
        state = State.FAILED;
        failure = mapped;
        try {
            drainOutput(); // the alert BouncyCastle raised, if any
            if (out.hasRemaining() && channel.isOpen()) {
                channel.write(out);
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: the peer may be gone
        }
        if (keys != null && connection == null) {
            keys.destroy();
        }
        destroyBouncyCastleSecrets();
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        return mapped;
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
        if (e instanceof NotYetConnectedException) {
            return new TlsHandshakeException("the channel is not connected", e);
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
