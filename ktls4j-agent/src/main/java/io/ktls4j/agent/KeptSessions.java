package io.ktls4j.agent;

import io.ktls4j.Direction;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.TrafficSecrets;
import io.ktls4j.linux.internal.Descriptors;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.UnixSockets;
import java.io.EOFException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The TLS 1.3 sessions the agent keeps for KeyUpdates (protocol version 2), at most {@code max-sessions}. One platform
 * thread waits in {@code poll(2)} on every idle session's Unix connection; a frame there is served on a virtual
 * thread ({@link SessionOps}), after which the connection is watched again. A session ends, its secrets zeroed, on
 * RELEASE, when its connection closes or breaks, after {@code session-idle-ms} without an operation, after an
 * operation that left its socket unusable, or when the agent stops.
 */
final class KeptSessions implements AutoCloseable {
    static final long REQUEST_READ_MILLIS = 10_000;
    private static final long REPLY_WRITE_MILLIS = 10_000;
    private static final int MAX_POLL_MILLIS = 1000;
    private static final short EVENTS = (short) (Native.POLLIN | Native.POLLRDHUP);

    private final AgentLog log;
    private final Supplier<AgentConfig> config;
    private final KernelPort port;
    private final ExecutorService handlers;
    private final SecureRandom random = new SecureRandom();
    private final Set<KeptSession> all = ConcurrentHashMap.newKeySet();
    private final AtomicInteger reserved = new AtomicInteger();
    private final ConcurrentLinkedQueue<KeptSession> toWatch = new ConcurrentLinkedQueue<>();
    private final int[] wake;
    private final Thread poller;
    private volatile boolean stopping;

    KeptSessions(AgentLog log, Supplier<AgentConfig> config, KernelPort port, ExecutorService handlers)
            throws IOException {
        this.log = log;
        this.config = config;
        this.port = port;
        this.handlers = handlers;
        this.wake = UnixSockets.socketpair();
        if (wake.length != 2) {
            throw new IOException("socketpair(AF_UNIX) failed");
        }
        this.poller = Thread.ofPlatform().name("ktls-agent-sessions").daemon(true).start(this::pollLoop);
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
            UnixStream connection, String who) {
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

    /** Watches the session's connection for its next operation. */
    void watch(KeptSession s) {
        if (stopping) {
            release(s, "the agent is stopping");
            return;
        }
        toWatch.add(s);
        UnixSockets.send(wake[1], new byte[] {1}, 0, 1, new int[0], Native.MSG_DONTWAIT);
    }

    private void pollLoop() {
        List<KeptSession> watched = new ArrayList<>();
        while (!stopping) {
            try {
                watched = pollOnce(watched);
            } catch (RuntimeException e) {
                // never leave kept sessions unserved: end them (their consumers see the connection close)
                log.log("session watcher: " + e + "; releasing the " + watched.size() + " sessions it watched");
                for (KeptSession s : watched) {
                    release(s, "the session watcher failed");
                }
                watched = new ArrayList<>();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** One poll over the watched sessions; returns those still watched. */
    private List<KeptSession> pollOnce(List<KeptSession> watched) {
        byte[] drain = new byte[64];
        for (KeptSession s; (s = toWatch.poll()) != null;) {
            watched.add(s);
        }
        long idleNanos = config.get().sessionIdle().toNanos();
        long timeout = MAX_POLL_MILLIS;
        for (KeptSession s : watched) {
            timeout = Math.min(timeout, Math.max(1, (idleNanos - s.idleNanos()) / 1_000_000 + 1));
        }
        int[] fds = new int[watched.size() + 1];
        fds[0] = wake[0];
        for (int i = 0; i < watched.size(); i++) {
            fds[i + 1] = watched.get(i).connection.fd();
        }
        short[] revents = new short[fds.length];
        MultiPoll.poll(fds, EVENTS, revents, (int) timeout);
        if (revents[0] != 0) {
            while (UnixSockets.receive(wake[0], drain, 0, drain.length, 0, Native.MSG_DONTWAIT).bytes() > 0) {
                // emptied
            }
        }
        List<KeptSession> still = new ArrayList<>(watched.size());
        for (int i = 0; i < watched.size(); i++) {
            KeptSession s = watched.get(i);
            if (revents[i + 1] != 0) {
                dispatch(s);
            } else if (s.idleNanos() >= idleNanos) {
                release(s, "idle for " + s.idleNanos() / 1_000_000 + " ms (session-idle-ms "
                        + idleNanos / 1_000_000 + ")");
            } else {
                still.add(s);
            }
        }
        return still;
    }

    private void dispatch(KeptSession s) {
        try {
            handlers.execute(() -> serve(s));
        } catch (RejectedExecutionException e) {
            release(s, "the agent is stopping");
        }
    }

    /** Serves one frame on the session's connection, then watches it again (unless the session ended). */
    private void serve(KeptSession s) {
        try {
            if (serveOne(s)) {
                s.touch();
                watch(s);
            }
        } catch (RuntimeException e) {
            log.log("#" + s.id + " internal error: " + e);
            release(s, "internal error");
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
            int expected = op.withDescriptor ? 1 : 0;
            if (fds.length != expected || s.connection.descriptorsTruncated()) {
                return reply(s, refuse(AgentStatus.BAD_DESCRIPTOR, op + " carries " + expected + " descriptor"
                        + (expected == 1 ? "" : "s") + ", this one carried " + fds.length));
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
                Descriptors.close(fd);
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

    /** Stops watching: no operation is dispatched any more (sessions being served finish theirs). */
    void stopWatching() {
        stopping = true;
        UnixSockets.send(wake[1], new byte[] {1}, 0, 1, new int[0], Native.MSG_DONTWAIT);
        try {
            poller.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops watching and releases every session. */
    @Override
    public void close() {
        stopWatching();
        for (KeptSession s : sessions()) {
            release(s, "the agent stopped");
        }
        Descriptors.close(wake[0]);
        Descriptors.close(wake[1]);
    }

    private static long deadline(long millis) {
        return System.nanoTime() + millis * 1_000_000;
    }
}
