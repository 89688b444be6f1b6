package io.ktls4j.agent;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;
import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.agent.wire.HandshakeReply;
import io.ktls4j.agent.wire.HandshakeRequestFrame;
import io.ktls4j.agent.wire.Pong;
import io.ktls4j.agent.wire.Wire;
import io.ktls4j.agent.wire.WireException;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.SessionInfo;
import io.ktls4j.handshake.TlsGroup;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.FallbackKtlsSocket;
import io.ktls4j.linux.Ktls;
import io.ktls4j.linux.fd.RawDescriptors;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The consumer's side of the handshake agent: hands a connected socket to the agent and gets it back with the
 * record layer in the kernel.
 *
 * <pre>{@code
 * AgentClient agent = AgentClient.connect(Path.of("/run/ktls4j/agent.sock"));
 * try (KtlsConnection c = agent.handshake(channel, HandshakeRequest.client("example.com").alpn("h2").build())) {
 *     c.write(...); c.read(...);
 * }
 * }</pre>
 *
 * <p>{@link #handshake} attaches the tls ULP to the channel itself ({@code Ktls.attach(channel, AUTO)}), so the
 * returned connection runs on ktls4j-linux's socket, sends the request with the channel's descriptor
 * ({@code SCM_RIGHTS}) and waits for the reply. It returns the same {@link KtlsConnection} an in-process handshake
 * gives ({@link io.ktls4j.handshake.spi.Handshakes#adopt}); for a TLS 1.3 session the agent keeps (protocol version 2) its
 * post-handshake duties (KeyUpdates, NewSessionTickets) go back to the agent over the Unix connection the handshake
 * was made on, which stays open until the connection is closed. Thread-safe: every handshake uses its own connection
 * to the agent.
 */
public final class AgentClient {
    /** Added to the handshake timeout while waiting for the reply. */
    static final long REPLY_GRACE_MILLIS = 5000;
    static final long SEND_MILLIS = 10_000;
    /**
     * Record layers attached to channels whose request was refused untouched: a retry on the same channel reuses it
     * (a second {@code TCP_ULP} would be EEXIST). The layer holds its channel, so a weak map would never drop an
     * entry: entries of closed channels are dropped instead at every use, which bounds the map by the refused
     * channels still open.
     */
    private static final Map<java.nio.channels.SocketChannel, FallbackKtlsSocket> UNUSED = new java.util.HashMap<>();

    private final Path socket;
    private final String agentVersion;
    private final boolean agentHasKtls;
    private final int protocolVersion;

    private AgentClient(Path socket, String agentVersion, boolean agentHasKtls, int protocolVersion) {
        this.socket = socket;
        this.agentVersion = agentVersion;
        this.agentHasKtls = agentHasKtls;
        this.protocolVersion = protocolVersion;
    }

    private static void keepUntouched(java.nio.channels.SocketChannel channel, FallbackKtlsSocket layer) {
        synchronized (UNUSED) {
            UNUSED.values().removeIf(l -> !l.channel().isOpen());
            UNUSED.put(channel, layer);
        }
    }

    private static FallbackKtlsSocket reclaimUntouched(java.nio.channels.SocketChannel channel) {
        synchronized (UNUSED) {
            UNUSED.values().removeIf(l -> !l.channel().isOpen());
            return UNUSED.remove(channel);
        }
    }

    /** For tests: the refused channels whose record layer is kept for a retry. */
    static int untouchedKept() {
        synchronized (UNUSED) {
            return UNUSED.size();
        }
    }

    /**
     * Checks that an agent answers on {@code socket} (a PING) and returns a handle for handshakes.
     *
     * @throws IOException when nothing answers there (the errno of {@code connect}, e.g. ENOENT or ECONNREFUSED)
     */
    public static AgentClient connect(Path socket) throws IOException {
        return connect(socket, java.time.Duration.ofMillis(SEND_MILLIS));
    }

    /**
     * As {@link #connect(Path)}, waiting up to {@code timeout} for the PONG (an agent that has just started, on a slow
     * or busy machine, may take longer than the default 10 s to answer its first request); at most a day.
     */
    public static AgentClient connect(Path socket, java.time.Duration timeout) throws IOException {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout to wait for the agent must be positive, not " + timeout);
        }
        long millis = Math.min(timeout.toMillis(), java.util.concurrent.TimeUnit.DAYS.toMillis(1));
        try (FrameStream u = FrameStream.connect(socket)) {
            u.write(Pong.ping(), new int[0], deadline(millis));
            byte[][] frame = u.readFrame(Wire.MAX_REPLY_BODY, deadline(millis));
            if ((frame[0][3] & 0xff) != Wire.TYPE_PONG) {
                throw new IOException("the agent at " + socket + " answered a PING with frame type " + (frame[0][3] & 0xff));
            }
            Pong pong = Pong.decode(Wire.fields(frame[1]));
            return new AgentClient(socket, pong.agentVersion(), pong.ktls(), pong.maxVersion());
        } catch (EOFException e) {
            throw new IOException("the agent at " + socket + " closed the connection without answering", e);
        }
    }

    public Path socketPath() {
        return socket;
    }

    /** The AGENT_VERSION the agent reported. */
    public String agentVersion() {
        return agentVersion;
    }

    /** Whether the agent's kernel has kTLS (the tls ULP attaches). */
    public boolean agentHasKtls() {
        return agentHasKtls;
    }

    /** The protocol version handshakes use: 2 when the agent speaks it (sessions kept for KeyUpdates), else 1. */
    public int protocolVersion() {
        return protocolVersion;
    }

    /** This handle speaking protocol {@code version} (tests: 1 asks the agent to keep no session). */
    AgentClient withProtocolVersion(int version) {
        return new AgentClient(socket, agentVersion, agentHasKtls, version);
    }

    /**
     * Runs {@code request}'s handshake on {@code channel} through the agent.
     *
     * @throws AgentException when the agent refuses or fails: with {@link SocketState#UNTOUCHED} the channel is still
     *     open (with the tls ULP attached and no keys it passes bytes through); otherwise it has been closed
     */
    public KtlsConnection handshake(java.nio.channels.SocketChannel channel, HandshakeRequest request)
            throws IOException {
        if (!channel.isConnected()) {
            throw new KtlsException(Errno.ENOTCONN, "the channel must be connected before its handshake");
        }
        FallbackKtlsSocket layer;
        layer = reclaimUntouched(channel);
        if (layer == null) {
            layer = Ktls.attach(channel, BackendPolicy.AUTO);
        }
        int fd = RawDescriptors.of(channel);
        long waitMillis = (request.timeout() != null ? request.timeout().toMillis() : HandshakeRequest.MAX_TIMEOUT_MS)
                + REPLY_GRACE_MILLIS;
        HandshakeReply reply;
        FrameStream u;
        try {
            u = FrameStream.connect(socket);
            try {
                u.write(HandshakeRequestFrame.encode(request, protocolVersion), new int[] {fd}, deadline(SEND_MILLIS));
            } catch (IOException | RuntimeException e) {
                u.close();
                throw e;
            }
        } catch (IOException e) {
            keepUntouched(channel, layer); // the request never reached the agent: the socket is as it was
            throw new IOException("cannot send the request to the agent at " + socket + ": " + e.getMessage(), e);
        }
        boolean keepConnection = false;
        try {
            try {
                byte[][] frame = u.readFrame(Wire.MAX_REPLY_BODY, deadline(waitMillis));
                try {
                    if ((frame[0][3] & 0xff) != Wire.TYPE_HANDSHAKE_REPLY) {
                        throw new WireException(AgentStatus.BAD_REQUEST, "frame type " + (frame[0][3] & 0xff));
                    }
                    reply = HandshakeReply.decode(Wire.fields(frame[1]));
                } finally {
                    Arrays.fill(frame[1], (byte) 0);
                }
            } catch (SocketTimeoutException e) {
                throw unusable(channel, AgentStatus.TIMEOUT, "no reply from the agent within " + waitMillis + " ms", e);
            } catch (EOFException e) {
                throw unusable(channel, AgentStatus.INTERNAL_ERROR, "the agent closed the connection without a reply "
                        + "(was it stopped?)", e);
            } catch (WireException e) {
                throw unusable(channel, AgentStatus.INTERNAL_ERROR, "malformed reply: " + e.getMessage(), e);
            }
            try {
                KtlsConnection c = established(channel, layer, request, reply, u);
                keepConnection = reply.sessionHandle() != null;
                return c;
            } finally {
                reply.destroy();
            }
        } finally {
            if (!keepConnection) {
                u.close();
            }
        }
    }

    private KtlsConnection established(java.nio.channels.SocketChannel channel, FallbackKtlsSocket layer,
            HandshakeRequest request, HandshakeReply reply, FrameStream agentConnection) throws IOException {
        if (reply.status() != AgentStatus.OK) {
            if (reply.socketState() == SocketState.UNTOUCHED) {
                keepUntouched(channel, layer);
                throw new AgentException(reply.status(), SocketState.UNTOUCHED, reply.message());
            }
            throw unusable(channel, reply.status(), reply.message(), null);
        }
        Map<Direction, Placement> placements = new EnumMap<>(Direction.class);
        try {
            for (Direction d : Direction.values()) {
                placements.put(d, reply.placement(d));
                if (reply.placement(d) == Placement.KERNEL && layer.decision(d).map(x -> !x.isKernel()).orElse(false)) {
                    // the agent attached the ULP itself (it could load the tls module; this process could not)
                    throw new IOException("the agent installed " + d + " in the kernel but this process could not "
                            + "attach the tls ULP before the request (" + layer.decision(d).get().reason()
                            + "); load the tls module (modprobe tls) before starting consumers");
                }
                CryptoInfo keys = reply.returnedKeys(d);
                if (keys != null) {
                    layer.install(d, keys);
                    keys.destroy();
                }
            }
            SessionInfo session = session(reply.session());
            byte[] handle = reply.sessionHandle();
            PostHandshakeDuties duties = handle != null ? new RoutedDuties(agentConnection, handle, socket.toString())
                    : session.version() != TlsVersion.TLS_1_3 ? Handshakes.noDuties()
                    : new UnroutedDuties(protocolVersion < Wire.VERSION_2
                            ? "the agent at " + socket + " was asked in protocol version 1, which keeps no session"
                            : "the agent at " + socket + " keeps no sessions (max-sessions = 0)", placements);
            KtlsConnection c = Handshakes.adopt(new AgentRecordLayer(layer, placements), session,
                    request.side() == HandshakeRequest.Side.CLIENT ? Role.CLIENT : Role.SERVER, duties);
            byte[] tickets = reply.sessionTickets();
            if (tickets != null) {
                // issued by the agent under its ticket keys; the first record under the TX key it returned
                Handshakes.sendSessionTickets(c, tickets);
            }
            return c;
        } catch (IOException | RuntimeException e) {
            throw unusable(channel, AgentStatus.INTERNAL_ERROR, "cannot take over the session: " + e.getMessage(), e);
        }
    }

    private static SessionInfo session(HandshakeReply.Session s) throws IOException {
        TlsCipherSuite suite;
        try {
            suite = TlsCipherSuite.of(s.cipherSuite());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        TlsGroup group = null;
        for (TlsGroup g : TlsGroup.values()) {
            if (g.id() == s.group()) {
                group = g;
            }
        }
        return new SessionInfo(s.version(), suite, s.alpn(), s.serverName(), certificates(s.peerCertificates()),
                certificates(s.localCertificates()), s.pskIdentity(), s.resumed(), group);
    }

    private static List<X509Certificate> certificates(List<byte[]> der) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] c : der) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(c)));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("the agent sent a malformed certificate: " + e.getMessage(), e);
        }
        return out;
    }

    private static AgentException unusable(java.nio.channels.SocketChannel channel, AgentStatus status, String message,
            Throwable cause) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        return new AgentException(status, SocketState.UNUSABLE, message, cause);
    }

    private static long deadline(long millis) {
        return System.nanoTime() + millis * 1_000_000;
    }

    @Override
    public String toString() {
        return "AgentClient[" + socket + ", " + agentVersion + (agentHasKtls ? ", kTLS" : ", no kTLS") + "]";
    }
}
