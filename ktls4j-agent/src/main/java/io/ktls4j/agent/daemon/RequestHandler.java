package io.ktls4j.agent.daemon;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Auth;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.agent.wire.HandshakeReply;
import io.ktls4j.agent.wire.HandshakeRequestFrame;
import io.ktls4j.agent.wire.Pong;
import io.ktls4j.agent.wire.SessionRequest;
import io.ktls4j.agent.wire.Wire;
import io.ktls4j.agent.wire.WireException;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.fd.RawDescriptors;
import io.ktls4j.linux.unix.PeerCredentials;
import io.ktls4j.linux.unix.UnixSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Serves one consumer connection, on its own virtual thread: reads the request and its descriptor, decides (allow
 * list, credential, socket, kernel), runs the handshake, replies, and closes every descriptor it received. Each
 * decision is one log line, prefixed with the request number.
 */
final class RequestHandler {
    /** How long a consumer may take to send its request after connecting. */
    static final long REQUEST_READ_MILLIS = 10_000;
    private static final long REPLY_WRITE_MILLIS = 10_000;

    private final AgentDaemon daemon;
    private final long id;
    private final AgentRequestEvent event = new AgentRequestEvent();
    private final AgentLog log;
    /** The session this request's handshake made, until the reply is sent. */
    private KeptSession kept;

    RequestHandler(AgentDaemon daemon, long id) {
        this.daemon = daemon;
        this.id = id;
        this.log = daemon.log();
    }

    void serve(UnixSocket connection) {
        event.begin();
        FrameStream consumer = new FrameStream(connection);
        try {
            PeerCredentials peer = peerOf(connection);
            String who = peer == null ? "peer unknown" : "pid=" + peer.pid() + " uid=" + peer.uid() + " gid=" + peer.gid();
            // Before anything is read: a peer that may use no credential keeps none of the descriptors it sends,
            // and one uid may have only so many requests being read at once (each holds a descriptor until then).
            consumer.descriptorBudget(mayUseAnyCredential(peer, connection) ? 1 : 0);
            int uid = peer == null ? -1 : peer.uid();
            if (!daemon.startReading(uid)) {
                daemon.logRateLimited("refused connections from " + who + ": " + daemon.config().maxUnreadPerUid()
                        + " of its requests are being read already (max-unread-per-uid)");
                return;
            }
            byte[][] frame;
            try {
                frame = consumer.readFrame(Wire.MAX_REQUEST_BODY, deadline(REQUEST_READ_MILLIS));
            } catch (WireException e) {
                reply(consumer, who, HandshakeReply.failure(e.status(), e.getMessage()), Wire.VERSION);
                return;
            } catch (IOException e) {
                log("#" + id + " " + who + ": no request (" + e.getMessage() + ")");
                return;
            } finally {
                daemon.doneReading(uid);
            }
            int version = frame[0][2] & 0xff;
            int type = frame[0][3] & 0xff;
            if (type == Wire.TYPE_PING) {
                pong(consumer, who);
                return;
            }
            HandshakeReply reply = type != Wire.TYPE_HANDSHAKE_REQUEST
                    ? HandshakeReply.failure(AgentStatus.BAD_REQUEST, "frame type " + type + " is not a request"
                            + (SessionRequest.Op.ofType(type) != null ? " on a connection without a kept session" : ""))
                    : handshake(consumer, peer, who, frame[1], version);
            if (reply != null) {
                boolean sent = reply(consumer, who, reply, version);
                if (kept != null) {
                    if (sent) {
                        daemon.sessions().watch(kept); // the connection now belongs to the session
                    } else {
                        daemon.sessions().release(kept, "the handshake reply could not be sent");
                    }
                    kept = null;
                    consumer = null;
                }
            }
        } catch (RuntimeException e) {
            log("#" + id + " internal error: " + e);
            if (kept != null) {
                daemon.sessions().release(kept, "internal error");
                consumer = null;
            }
        } finally {
            if (consumer != null) {
                consumer.close();
            }
        }
    }

    /** {@code SO_PEERCRED}, or null when the kernel cannot tell (the connection broke already). */
    private static PeerCredentials peerOf(UnixSocket connection) {
        try {
            return connection.peerCredentials();
        } catch (IOException e) {
            return null;
        }
    }

    private static int[] groupsOf(UnixSocket connection) {
        try {
            return connection.peerGroups();
        } catch (IOException e) {
            return new int[0];
        }
    }

    private boolean mayUseAnyCredential(PeerCredentials peer, UnixSocket connection) {
        if (peer == null) {
            return false;
        }
        int[] groups = groupsOf(connection);
        for (CredentialConfig c : daemon.config().credentials().values()) {
            if (AccessPolicy.decide(c, peer, groups).allowed()) {
                return true;
            }
        }
        return false;
    }

    private HandshakeReply handshake(FrameStream consumer, PeerCredentials peer, String who, byte[] body,
            int version) {
        HandshakeRequest request;
        try {
            request = HandshakeRequestFrame.decode(Wire.fields(body));
        } catch (WireException e) {
            return HandshakeReply.failure(e.status(), e.getMessage());
        }
        int seen = consumer.descriptorsSeen();
        int[] fds = consumer.takeDescriptors();
        try {
            if (seen != 1 || consumer.descriptorsTruncated()) {
                return HandshakeReply.failure(AgentStatus.BAD_DESCRIPTOR, "the request carried " + seen
                        + (consumer.descriptorsTruncated() ? "+" : "") + " descriptors; exactly one is needed");
            }
            AgentConfig config = daemon.config();
            CredentialConfig credential = config.credential(request.credential());
            log("#" + id + " " + who + " " + request);
            if (credential == null) {
                return HandshakeReply.failure(AgentStatus.UNKNOWN_CREDENTIAL, "no credential named "
                        + request.credential());
            }
            if (peer == null) {
                return HandshakeReply.failure(AgentStatus.DENIED, "SO_PEERCRED is unavailable");
            }
            AccessPolicy.Decision access = AccessPolicy.decide(credential, peer, groupsOf(consumer.socket()));
            log("#" + id + " credential " + credential.name() + ": " + access.reason());
            if (!access.allowed()) {
                return HandshakeReply.failure(AgentStatus.DENIED, "uid " + peer.uid() + " may not use credential "
                        + credential.name());
            }
            if (fds.length != 1) {
                // not kept on arrival: when the request came, this peer could use no credential (a reload since)
                return HandshakeReply.failure(AgentStatus.DENIED, "the configuration changed while the request "
                        + "was read; retry");
            }
            String unsupported = unsupported(credential, request);
            if (unsupported != null) {
                return HandshakeReply.failure(AgentStatus.UNSUPPORTED_REQUEST, unsupported);
            }
            SocketCheck.Verdict verdict = SocketCheck.check(daemon.port(), fds[0]);
            if (verdict.status() != null) {
                return HandshakeReply.failure(verdict.status(), verdict.message());
            }
            if (daemon.stopping()) {
                return HandshakeReply.failure(AgentStatus.SHUTTING_DOWN, "the agent is stopping");
            }
            boolean keep = version >= Wire.VERSION_2 && config.maxSessions() > 0;
            if (keep && !daemon.sessions().reserve(config)) {
                return HandshakeReply.failure(AgentStatus.BUSY, config.maxSessions() + " TLS 1.3 sessions are kept "
                        + "already (max-sessions)");
            }
            if (!daemon.enter(config)) {
                if (keep) {
                    daemon.sessions().unreserve();
                }
                return HandshakeReply.failure(AgentStatus.BUSY, config.maxConcurrent() + " handshakes in progress");
            }
            try {
                return run(consumer, who, credential, request, config, fds, verdict.ulp(), keep);
            } finally {
                daemon.exit();
                if (keep && kept == null) {
                    daemon.sessions().unreserve();
                }
            }
        } finally {
            for (int fd : fds) {
                if (fd >= 0) {
                    RawDescriptors.close(fd);
                }
            }
        }
    }

    /** Runs the handshake on {@code fds[0]}; sets it to -1 once {@link AdoptedSocket} owns it. */
    private HandshakeReply run(FrameStream consumer, String who, CredentialConfig credential,
            HandshakeRequest request, AgentConfig config, int[] fds, String ulp, boolean keep) {
        boolean softwareReturn = credential.allowSoftwareReturn();
        if (!softwareReturn && !KernelTls.isAvailable()) {
            return HandshakeReply.failure(AgentStatus.KTLS_UNAVAILABLE, "the kernel has no kTLS ("
                    + KernelTls.unavailabilityCause().getMessage() + ") and credential "
                    + credential.name() + " does not allow returning keys (allow-software-return)");
        }
        List<TlsCipherSuite> suites = HandshakeRunner.suites(credential, !softwareReturn);
        if (suites.isEmpty()) {
            return HandshakeReply.failure(AgentStatus.KTLS_UNAVAILABLE, "the kernel takes none of credential "
                    + credential.name() + "'s cipher suites ("
                    + (KernelTls.isAvailable() ? "kTLS lacks their ciphers"
                    : KernelTls.unavailabilityCause().getMessage()) + ")");
        }
        Duration timeout = request.timeout() != null ? request.timeout() : credential.timeout();
        KtlsContext context;
        try {
            context = daemon.contexts().forRequest(config, credential, request, suites, timeout);
        } catch (IllegalArgumentException | IOException e) {
            return HandshakeReply.failure(AgentStatus.UNSUPPORTED_REQUEST, e.getMessage());
        }
        KernelPort port = daemon.port();
        boolean kernel = ulp.equals("tls");
        if (!kernel) {
            try {
                port.attachUlp(fds[0]);
                kernel = true;
            } catch (IOException e) {
                boolean noKtls = e instanceof KtlsException k && k.errno() == Errno.ENOENT;
                if (noKtls && !softwareReturn) {
                    return HandshakeReply.failure(AgentStatus.KTLS_UNAVAILABLE, "the kernel has no kTLS: "
                            + "setsockopt(TCP_ULP, \"tls\") answered ENOENT, and credential " + credential.name()
                            + " does not allow returning keys (allow-software-return)");
                }
                if (!noKtls) {
                    return HandshakeReply.failure(AgentStatus.NOT_CONNECTED, e.getMessage());
                }
            }
        }
        long started = System.nanoTime();
        long cookie = -1;
        if (keep) {
            try {
                cookie = port.cookie(fds[0]);
            } catch (IOException e) {
                return HandshakeReply.failure(AgentStatus.NOT_TCP_SOCKET, e.getMessage());
            }
        }
        AdoptedSocket socket;
        try {
            socket = AdoptedSocket.adopt(fds[0], daemon.dummies());
            fds[0] = -1;
        } catch (IOException e) {
            return HandshakeReply.failure(AgentStatus.INTERNAL_ERROR, "cannot take over the socket: " + e.getMessage());
        }
        HandoffSocket layer = new HandoffSocket(socket.channel(), socket.fd(), port, kernel, softwareReturn);
        Watchdog watchdog = null;
        HandshakeContexts.Registration registered = daemon.contexts().register(layer);
        try (socket) {
            watchdog = new Watchdog(socket, started + timeout.toNanos(), consumer, daemon::aborting);
            HandshakeRunner.Outcome o = HandshakeRunner.run(context, socket, request.peerName(), layer, keep);
            watchdog.close();
            HandshakeReply reply = HandshakeReply.success(o.session(), o.placements(), o.returned());
            if (o.ticketsForConsumer() != null) {
                reply = reply.withSessionTickets(o.ticketsForConsumer());
            }
            if (o.secrets() != null) {
                kept = daemon.sessions().create(id, request.side() == Side.CLIENT ? Role.CLIENT : Role.SERVER,
                        o.placements(), cookie, o.secrets(), consumer, who);
                if (o.clientTickets() != null) {
                    kept.clientTickets(o.clientTickets());
                }
                reply = reply.withSessionHandle(kept.handle());
            } else if (o.clientTickets() != null) {
                o.clientTickets().destroy();
            }
            long tickets = o.ticketsSent();
            log("#" + id + " OK " + reply.session().version() + " " + TlsCipherSuite.of(reply.session().cipherSuite())
                    + " tx=" + o.placements().get(io.ktls4j.Direction.TX) + " rx="
                    + o.placements().get(io.ktls4j.Direction.RX) + " in " + millis(started) + " ms"
                    + (o.resumed() ? ", resumed" : "") + (tickets > 0 ? ", " + tickets + " ticket"
                    + (tickets == 1 ? "" : "s") + (o.ticketsForConsumer() != null ? " for the consumer to send"
                    : " sent") : "") + (kept != null ? ", " + kept + " kept" : ""));
            return reply;
        } catch (IOException | RuntimeException e) {
            Watchdog.Reason why = null;
            if (watchdog != null) {
                watchdog.close();
                why = watchdog.fired();
            }
            if (why == Watchdog.Reason.CONSUMER_GONE) {
                log("#" + id + " consumer went away during the handshake; aborted after " + millis(started) + " ms");
                return null;
            }
            AgentStatus status = why == Watchdog.Reason.TIMEOUT ? AgentStatus.TIMEOUT
                    : why == Watchdog.Reason.SHUTTING_DOWN ? AgentStatus.INTERNAL_ERROR
                    : e instanceof IOException io ? HandshakeRunner.statusOf(io, layer) : AgentStatus.INTERNAL_ERROR;
            String message = status == AgentStatus.TIMEOUT ? "the handshake did not complete within "
                    + timeout.toMillis() + " ms" : why == Watchdog.Reason.SHUTTING_DOWN
                    ? "the agent stopped during the handshake" : String.valueOf(e.getMessage());
            return HandshakeReply.failure(status, message);
        } finally {
            registered.close();
        }
    }

    private static String unsupported(CredentialConfig c, HandshakeRequest r) {
        if (!c.sides().contains(r.side())) {
            return "credential " + c.name() + " is not configured for the " + r.side().name().toLowerCase() + " side";
        }
        if (r.auth() == Auth.PSK && c.psk() == null) {
            return "credential " + c.name() + " has no PSK";
        }
        if (r.side() == Side.SERVER && r.auth() == Auth.ANON) {
            return "anon is a client mode: a server authenticates with x509 or psk";
        }
        if (r.side() == Side.SERVER && r.auth() == Auth.X509 && c.certificate() == null) {
            return "credential " + c.name() + " has no certificate";
        }
        return null;
    }

    private void pong(FrameStream consumer, String who) {
        byte[] frame = new Pong(AgentDaemon.VERSION, KernelTls.isAvailable(), Wire.MAX_VERSION).encode();
        try {
            consumer.write(frame, new int[0], deadline(REPLY_WRITE_MILLIS));
        } catch (IOException e) {
            log("#" + id + " " + who + " PING: cannot answer (" + e.getMessage() + ")");
        }
    }

    /** Sends the reply in the request's protocol version; false when the consumer went away. */
    private boolean reply(FrameStream consumer, String who, HandshakeReply reply, int version) {
        if (reply.status() != AgentStatus.OK) {
            log("#" + id + " " + who + " " + reply.status() + ": " + reply.message());
        }
        event.end();
        if (event.shouldCommit()) {
            event.request = id;
            event.consumer = who;
            event.decision = reply.status().name();
            event.message = reply.message();
            event.commit();
        }
        byte[] frame = reply.encode(version);
        reply.destroy();
        try {
            consumer.write(frame, new int[0], deadline(REPLY_WRITE_MILLIS));
            return true;
        } catch (IOException e) {
            log("#" + id + " cannot send the reply (" + e.getMessage() + "); the consumer went away");
            return false;
        } finally {
            Arrays.fill(frame, (byte) 0);
        }
    }

    private static long deadline(long millis) {
        return System.nanoTime() + millis * 1_000_000;
    }

    private static long millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private void log(String line) {
        log.log(line);
    }
}
