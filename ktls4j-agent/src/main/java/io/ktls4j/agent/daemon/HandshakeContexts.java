package io.ktls4j.agent.daemon;

import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsBackend;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Auth;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daemon's {@link KtlsContext}s, one per credential, side and request shape, kept across requests so that the
 * session tickets one handshake issues are opened by the next (a server's ticket keys live in the context, in the
 * agent; a consumer never sees them) and the tickets a client handshake is sent are offered by the next one to the
 * same server (the context's session cache, keyed by the server's name and port; the consumer hands each ticket it
 * reads to the agent, which keeps the session's resumption secret). A context belongs to one configuration snapshot:
 * the first request under a reloaded configuration drops every context of the old one, with its ticket keys and
 * sessions, so a reload that replaces a credential also ends resumption of its sessions. At most {@link #MAX} contexts
 * are kept (request shapes are chosen by consumers: ALPN lists and timeouts); the least recently used goes first.
 *
 * <p>All contexts share one {@link TlsBackend}, {@link #backend}: a handshake's {@link HandoffSocket} is registered
 * for its channel while it runs.
 */
final class HandshakeContexts {
    static final int MAX = 32;

    private record Key(String credential, Side side, Auth auth, List<String> alpn, Duration timeout,
            List<TlsCipherSuite> suites) {
    }

    private final Path keyLog;
    private final Handoffs backend = new Handoffs();
    private final LinkedHashMap<Key, KtlsContext> contexts = new LinkedHashMap<>(16, 0.75f, true);
    private AgentConfig snapshot;

    HandshakeContexts(Path keyLog) {
        this.keyLog = keyLog;
    }

    /**
     * The context for {@code request} under {@code credential} of configuration {@code config}, kept for the next
     * request of the same shape.
     *
     * @throws IllegalArgumentException when nothing usable is left (e.g. no suite for the key)
     */
    KtlsContext forRequest(AgentConfig config, CredentialConfig credential, HandshakeRequest request,
            List<TlsCipherSuite> suites, Duration timeout) throws IOException {
        Key key = new Key(credential.name(), request.side(), request.auth(), request.alpn(), timeout,
                List.copyOf(suites));
        synchronized (this) {
            if (snapshot != config) {
                snapshot = config;
                contexts.clear();
            }
            KtlsContext c = contexts.get(key);
            if (c != null) {
                return c;
            }
        }
        // built outside the lock (loading a credential's JCA objects takes milliseconds); two first requests of one
        // shape may both build one, and the one kept last wins: the other's tickets simply do not resume
        KtlsContext built = HandshakeRunner.context(credential, request, suites, timeout, backend, keyLog, true);
        synchronized (this) {
            if (snapshot == config) {
                contexts.put(key, built);
                if (contexts.size() > MAX) {
                    contexts.pollFirstEntry();
                }
            }
        }
        return built;
    }

    /** How many contexts are kept (tests). */
    synchronized int size() {
        return contexts.size();
    }

    /** A handshake's {@link HandoffSocket}, known to {@link #backend} until closed. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Registers the record layer of a handshake about to run on its channel; close the result when it is over. */
    Registration register(HandoffSocket layer) {
        return backend.register(layer);
    }

    /** The backend of every context here: the {@link HandoffSocket} registered for the channel. */
    private static final class Handoffs implements TlsBackend {
        private final Map<SocketChannel, HandoffSocket> layers = new ConcurrentHashMap<>();

        Registration register(HandoffSocket layer) {
            layers.put(layer.channel(), layer);
            return () -> layers.remove(layer.channel(), layer);
        }

        @Override
        public String name() {
            return "agent handoff";
        }

        @Override
        public KtlsSocket attach(SocketChannel channel) throws IOException {
            HandoffSocket layer = layers.get(channel);
            if (layer == null) {
                throw new IllegalStateException("no agent handshake is registered for this channel");
            }
            return layer.attach(channel);
        }
    }
}
