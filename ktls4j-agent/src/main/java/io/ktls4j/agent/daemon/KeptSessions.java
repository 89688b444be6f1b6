package io.ktls4j.agent.daemon;

import io.ktls4j.Direction;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.SocketState;
import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.agent.wire.HandshakeReply;
import io.ktls4j.agent.wire.SessionReply;
import io.ktls4j.agent.wire.SessionRequest;
import io.ktls4j.agent.wire.Wire;
import io.ktls4j.agent.wire.WireException;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.spi.TrafficSecrets;
import io.ktls4j.linux.fd.RawDescriptors;
import java.io.EOFException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The TLS 1.3 sessions the agent keeps for KeyUpdates (protocol version 2), at most {@code max-sessions}. Each session
 * has a virtual thread that waits for its Unix connection (parked in ktls4j-linux's poller: one platform thread polls
 * every waiting descriptor) and serves each frame there ({@link SessionOps}). A session ends, its secrets zeroed, on
 * RELEASE, when its connection closes or breaks, after {@code session-idle-ms} without an operation, after an
 * operation that left its socket unusable, or when the agent stops.
 */
final class KeptSessions implements AutoCloseable {
    static final long REQUEST_READ_MILLIS = 10_000;
    private static final long REPLY_WRITE_MILLIS = 10_000;
    /** How often a waiting session's thread wakes to notice a stop. */
    private static final long WAKE_NANOS = 1_000_000_000L;

    private final AgentLog log;
    private final Supplier<AgentConfig> config;
    private final KernelPort port;
    private final ExecutorService handlers;
    private final SecureRandom random = new SecureRandom();
    private final Set<KeptSession> all = ConcurrentHashMap.newKeySet();
    private final AtomicInteger reserved = new AtomicInteger();
    private volatile boolean stopping;

    KeptSessions(AgentLog log, Supplier<AgentConfig> config, KernelPort port, ExecutorService handlers) {
        this.log = log;
        this.config = config;
        this.port = port;
        this.handlers = handlers;
    }

    /** Takes a place for a session before its handshake; false when {@code max-sessions} are kept or promised. */
    boolean reserve(AgentConfig c) {
        while (true) {
            int n = reserved.get();
            if (n >= c.maxSessions()) {
                return false;
            }
            if (reserved.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a place whose handshake kept no session. */
    void unreserve() {
        reserved.decrementAndGet();
    }

    /** Turns a reservation into a session (not yet watched: {@link #watch} once the reply is sent). */
    KeptSession create(long id, Role role, Map<Direction, Placement> placements, long cookie, TrafficSecrets secrets,
            FrameStream connection, String who) {
        byte[] handle = new byte[HandshakeReply.HANDLE_LENGTH];
        random.nextBytes(handle);
        KeptSession s = new KeptSession(id, handle, role, placements, cookie, secrets, connection, who);
        all.add(s);
        return s;
    }

    /** Sessions kept now. */
    int size() {
        return all.size();
    }

    /** The sessions kept now (tests). */
    List<KeptSession> sessions() {
        return new ArrayList<>(all);
    }

    /** Zeroes the session's secrets, closes its connection and frees its place. */
    void release(KeptSession s, String why) {
        if (s.release(why)) {
            all.remove(s);
            reserved.decrementAndGet();
            log.log("#" + s.id + " " + s + " released: " + why);
        }
    }

    /** Serves the session's connection from now on, on a thread of its own, until the session ends. */
    void watch(KeptSession s) {
        try {
            handlers.execute(() -> serve(s));
        } catch (RejectedExecutionException e) {
            release(s, "the agent is stopping");
        }
    }

    /**
     * Waits for the next frame on the session's connection (parked, waking each second to notice a stop) and serves
     * it; releases the session when it has been idle for {@code session-idle-ms}, or on any failure.
     */
    private void serve(KeptSession s) {
        try {
            while (!s.isReleased()) {
                if (stopping) {
                    release(s, "the agent is stopping");
                    return;
                }
                long idle = config.get().sessionIdle().toNanos();
                long left = idle - s.idleNanos();
                if (left <= 0) {
                    release(s, "idle for " + s.idleNanos() / 1_000_000 + " ms (session-idle-ms " + idle / 1_000_000
                            + ")");
                    return;
                }
                if (s.connection.socket().awaitReadable(System.nanoTime() + Math.min(left, WAKE_NANOS))) {
                    if (!serveOne(s)) {
                        return;
                    }
                    s.touch();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!s.isReleased()) { // else the release closed the connection under the wait
                log.log("#" + s.id + " session error: " + e);
                release(s, "internal error");
            }
        }
    }

    /** Returns false when the session ended. */
    private boolean serveOne(KeptSession s) {
        byte[][] frame;
        try {
            frame = s.connection.readFrame(Wire.MAX_SESSION_REQUEST_BODY, deadline(REQUEST_READ_MILLIS));
        } catch (EOFException e) {
            release(s, "the consumer closed its connection");
            return false;
        } catch (WireException e) {
            reply(s, SessionReply.failure(e.status(), SocketState.ESTABLISHED, e.getMessage()));
            release(s, "malformed frame: " + e.getMessage());
            return false;
        } catch (IOException e) {
            release(s, "cannot read the consumer's frame: " + e.getMessage());
            return false;
        }
        int seen = s.connection.descriptorsSeen();
        int[] fds = s.connection.takeDescriptors();
        try {
            int version = frame[0][2] & 0xff;
            int type = frame[0][3] & 0xff;
            SessionRequest.Op op = version >= Wire.VERSION_2 ? SessionRequest.Op.ofType(type) : null;
            if (op == null) {
                return reply(s, refuse(AgentStatus.BAD_REQUEST, "frame type " + type + " (version " + version
                        + ") is not an operation on a kept session"));
            }
            SessionRequest r;
            try {
                r = SessionRequest.decode(op, Wire.fields(frame[1]));
            } catch (WireException e) {
                return reply(s, refuse(e.status(), e.getMessage()));
            }
            if (!s.isHandle(r.handle())) {
                return reply(s, refuse(AgentStatus.UNKNOWN_SESSION, "that handle is not this connection's session"));
            }
            int expected = op.withDescriptor() ? 1 : 0;
            if (seen != expected || s.connection.descriptorsTruncated()) {
                return reply(s, refuse(AgentStatus.BAD_DESCRIPTOR, op + " carries " + expected + " descriptor"
                        + (expected == 1 ? "" : "s") + ", this one carried " + seen));
            }
            if (op == SessionRequest.Op.RELEASE) {
                SessionReply ok;
                synchronized (s) {
                    ok = SessionOps.ok(s, false, Map.of());
                }
                reply(s, ok);
                release(s, "RELEASE");
                return false;
            }
            SessionReply reply = SessionOps.execute(s, r, expected == 1 ? fds[0] : -1, port);
            if (reply.status() == AgentStatus.OK) {
                log.log("#" + s.id + " " + r + ": " + reply);
            }
            boolean alive = reply(s, reply);
            if (reply.socketState() == SocketState.UNUSABLE) {
                release(s, "its socket is unusable after " + op);
                return false;
            }
            return alive;
        } finally {
            Arrays.fill(frame[1], (byte) 0);
            for (int fd : fds) {
                RawDescriptors.close(fd);
            }
        }
    }

    private static SessionReply refuse(AgentStatus status, String message) {
        return SessionReply.failure(status, SocketState.ESTABLISHED, message);
    }

    /** Sends the reply (and zeroes any keys in it); false, with the session released, when that failed. */
    private boolean reply(KeptSession s, SessionReply reply) {
        if (reply.status() != AgentStatus.OK) {
            log.log("#" + s.id + " " + s.who + " " + reply.status() + ": " + reply.message());
        }
        byte[] frame = reply.encode();
        reply.destroy();
        try {
            s.connection.write(frame, new int[0], deadline(REPLY_WRITE_MILLIS));
            return true;
        } catch (IOException e) {
            release(s, "cannot send the reply (" + e.getMessage() + ")");
            return false;
        } finally {
            Arrays.fill(frame, (byte) 0);
        }
    }

    /** Stops serving: each session's thread releases it within a second (an operation in progress finishes). */
    void stopWatching() {
        stopping = true;
    }

    /** Stops serving and releases every session still kept. */
    @Override
    public void close() {
        stopWatching();
        for (KeptSession s : sessions()) {
            release(s, "the agent stopped");
        }
    }

    private static long deadline(long millis) {
        return System.nanoTime() + millis * 1_000_000;
    }
}
