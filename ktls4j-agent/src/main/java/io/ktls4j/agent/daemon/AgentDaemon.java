package io.ktls4j.agent.daemon;

import io.ktls4j.Errno;
import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.LinuxErrno;
import io.ktls4j.linux.unix.UnixSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The handshake agent's daemon: listens on a Unix domain socket and serves each consumer connection on its own
 * virtual thread ({@link RequestHandler}). The configuration is a snapshot that {@link #reload()} replaces (SIGHUP or a
 * file watch, see {@link Options#reloadOnSighup}); handshakes in progress keep the snapshot they started with.
 *
 * <pre>{@code
 * try (AgentDaemon agent = AgentDaemon.start(Path.of("/run/ktls4j/agent.sock"),
 *         AgentDaemon.Options.defaults().config(Path.of("/etc/ktls4j/agent.conf")))) {
 *     agent.awaitStop();
 * }
 * }</pre>
 */
public final class AgentDaemon implements AutoCloseable {
    public static final String VERSION = "ktls4j-agent " + version();
    /** How long {@link #close()} lets handshakes in progress finish before aborting them. */
    static final long STOP_GRACE_MILLIS = 5000;

    /**
     * How to run the agent.
     *
     * @param config the configuration file, or null for the built-in default credential
     * @param stateDir where the default credential lives (null: {@code $XDG_STATE_HOME/ktls4j} or
     *     {@code ~/.local/state/ktls4j})
     * @param socketGroup null for socket mode 0600, else mode 0660 with this group
     * @param reloadOnSighup install a SIGHUP handler (off in tests that run several agents in one JVM)
     * @param watchConfig poll the configuration file for changes (also used when SIGHUP cannot be handled)
     * @param keyLog where to write session secrets (NSS key log), or null for nowhere
     */
    public record Options(Path config, Path stateDir, String socketGroup, boolean reloadOnSighup, boolean watchConfig,
            AgentLog log, Path keyLog) {
        public static Options defaults() {
            return new Options(null, null, null, false, false, AgentLog.to(System.err), null);
        }

        public Options config(Path file) {
            return new Options(file, stateDir, socketGroup, reloadOnSighup, watchConfig, log, keyLog);
        }

        public Options stateDir(Path dir) {
            return new Options(config, dir, socketGroup, reloadOnSighup, watchConfig, log, keyLog);
        }

        public Options socketGroup(String group) {
            return new Options(config, stateDir, group, reloadOnSighup, watchConfig, log, keyLog);
        }

        public Options reloadOnSighup(boolean on) {
            return new Options(config, stateDir, socketGroup, on, watchConfig, log, keyLog);
        }

        public Options watchConfig(boolean on) {
            return new Options(config, stateDir, socketGroup, reloadOnSighup, on, log, keyLog);
        }

        public Options log(AgentLog to) {
            return new Options(config, stateDir, socketGroup, reloadOnSighup, watchConfig, Objects.requireNonNull(to),
                    keyLog);
        }

        /**
         * Writes every session's secrets to {@code file} (the NSS key log Wireshark reads). Only this turns key logging
         * on: the agent's job is to keep keys in, so an inherited {@code SSLKEYLOGFILE} is ignored.
         */
        public Options keyLog(Path file) {
            return new Options(config, stateDir, socketGroup, reloadOnSighup, watchConfig, log, file);
        }
    }

    private final Options options;
    private final AgentSocket socket;
    private final AgentLog log;
    private final int agentUid;
    private final AtomicReference<AgentConfig> config = new AtomicReference<>();
    private final LoopbackDummies dummies = new LoopbackDummies();
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    /** Per uid: connections whose request is being read (no entry: none). */
    private final java.util.concurrent.ConcurrentHashMap<Integer, Integer> reading =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong lastRateLimitedLog = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    private final Thread acceptor;
    private final KeptSessions sessions;
    private final KernelPort port;
    private final HandshakeContexts contexts;
    private Thread watcher;
    private volatile boolean stopping;
    private volatile boolean aborting;

    private AgentDaemon(Path path, Options options, KernelPort port) throws IOException {
        this.options = options;
        this.log = options.log();
        this.agentUid = uid();
        this.config.set(load());
        this.socket = AgentSocket.listen(path, options.socketGroup(), 512);
        this.port = port;
        this.contexts = new HandshakeContexts(options.keyLog());
        this.sessions = new KeptSessions(log, this::config, port, handlers);
        this.acceptor = Thread.ofPlatform().name("ktls-agent-accept").daemon(true).unstarted(this::acceptLoop);
    }

    /** Loads the configuration, binds the socket and starts serving. */
    public static AgentDaemon start(Path socketPath, Options options) throws IOException {
        return start(socketPath, options, KernelPort.LINUX);
    }

    /** {@link #start(Path, Options)} with another way to reach sockets after the handshake (tests). */
    static AgentDaemon start(Path socketPath, Options options, KernelPort port) throws IOException {
        AgentDaemon d = new AgentDaemon(socketPath, options, port);
        d.log.log("listening on " + d.socket.path() + " (mode " + (options.socketGroup() == null ? "0600"
                : "0660, group " + options.socketGroup()) + "), " + d.config() + ", kTLS "
                + (io.ktls4j.linux.KernelTls.isAvailable() ? "available" : "unavailable: "
                + io.ktls4j.linux.KernelTls.unavailabilityCause().getMessage())
                + (!io.ktls4j.linux.KernelTls.isAvailable() ? "" : io.ktls4j.linux.KernelTls.supportsRekey()
                        ? ", TLS 1.3 rekey available (KeyUpdates of kept sessions go to the kernel)"
                        : ", no TLS 1.3 rekey (needs Linux 6.14): KeyUpdates of kernel directions are refused"));
        if (options.keyLog() != null) {
            d.log.log("writing every session's secrets to " + options.keyLog() + " (--keylog)");
        } else if (System.getenv("SSLKEYLOGFILE") != null) {
            d.log.log("SSLKEYLOGFILE is set and ignored: the agent writes session secrets only where --keylog says");
        }
        String why = options.reloadOnSighup() ? ReloadTrigger.onSighup(d::reload) : "SIGHUP handling is off";
        if (why == null) {
            d.log.log("SIGHUP reloads " + (options.config() != null ? options.config() : "the default credential"));
        }
        if (options.config() != null) {
            if (options.watchConfig() || (options.reloadOnSighup() && why != null)) {
                d.watcher = ReloadTrigger.watch(options.config(), d::reload);
                d.log.log((why == null ? "" : why + "; ") + "watching " + options.config() + " for changes every "
                        + ReloadTrigger.WATCH_MILLIS / 1000 + " s");
            }
        }
        d.acceptor.start();
        return d;
    }

    private AgentConfig load() throws IOException {
        if (options.config() == null) {
            return DefaultCredential.config(DefaultCredential.stateDir(options.stateDir(), System.getenv()), agentUid);
        }
        return ConfigParser.load(options.config(), agentUid);
    }

    /**
     * Re-reads the configuration. On failure the old one stays and the error is logged.
     *
     * @return true when the new configuration is in effect
     */
    public boolean reload() {
        try {
            AgentConfig c = load();
            config.set(c);
            reloads.incrementAndGet();
            log.log("reloaded: " + c);
            return true;
        } catch (IOException | RuntimeException e) {
            log.log("reload failed, keeping the previous configuration: " + e.getMessage());
            return false;
        }
    }

    private void acceptLoop() {
        while (!stopping) {
            UnixSocket consumer;
            try {
                consumer = socket.accept();
            } catch (IOException e) {
                if (stopping) {
                    return;
                }
                if (e instanceof ErrnoException x && outOfResources(x.errno())) {
                    log.log("accept: " + LinuxErrno.name(x.errno()) + "; pausing 100 ms");
                    sleepQuietly(100);
                } else {
                    sleepQuietly(10);
                }
                continue;
            }
            long id = requests.incrementAndGet();
            try {
                handlers.execute(() -> new RequestHandler(this, id).serve(consumer));
            } catch (RuntimeException rejected) {
                consumer.close();
            }
        }
    }

    /** The process or the system is out of descriptors or memory: a reason to pause, not to spin. */
    private static boolean outOfResources(int errno) {
        return errno == LinuxErrno.EMFILE || errno == LinuxErrno.ENFILE || errno == LinuxErrno.ENOBUFS
                || errno == Errno.ENOMEM.code();
    }

    /** The configuration in effect. */
    public AgentConfig config() {
        return config.get();
    }

    /** The socket's path. */
    public Path socketPath() {
        return socket.path();
    }

    /** Handshakes running now. */
    public int activeHandshakes() {
        return active.get();
    }

    /** Successful reloads so far. */
    public long reloads() {
        return reloads.get();
    }

    AgentLog log() {
        return log;
    }

    /** Where session secrets are written, or null. */
    Path keyLog() {
        return options.keyLog();
    }

    /** The way to the kernel's TLS on consumers' sockets. */
    KernelPort port() {
        return port;
    }

    /** The contexts handshakes run in (a server's kept across requests, with its ticket keys). */
    HandshakeContexts contexts() {
        return contexts;
    }

    LoopbackDummies dummies() {
        return dummies;
    }

    /** The TLS 1.3 sessions kept for KeyUpdates. */
    KeptSessions sessions() {
        return sessions;
    }

    /** How many TLS 1.3 sessions the agent keeps now (protocol version 2). */
    public int keptSessions() {
        return sessions.size();
    }

    /** True once {@link #close()} began: new requests get SHUTTING_DOWN. */
    boolean stopping() {
        return stopping;
    }

    /** True once the agent aborts handshakes in progress (after the grace of a stop). */
    boolean aborting() {
        return aborting;
    }

    /** Counts a handshake in, or refuses it when {@code max-concurrent} are running. */
    boolean enter(AgentConfig c) {
        while (true) {
            int n = active.get();
            if (n >= c.maxConcurrent()) {
                return false;
            }
            if (active.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void exit() {
        active.decrementAndGet();
    }

    /** Counts a connection of {@code uid} whose request is being read; false when it has too many already. */
    boolean startReading(int uid) {
        boolean[] counted = {false};
        reading.compute(uid, (u, n) -> {
            int now = n == null ? 0 : n;
            if (now >= config().maxUnreadPerUid()) {
                return n;
            }
            counted[0] = true;
            return now + 1;
        });
        return counted[0];
    }

    /** For tests: connections whose request is being read now, all uids together. */
    int unreadConnections() {
        return reading.values().stream().mapToInt(Integer::intValue).sum();
    }

    void doneReading(int uid) {
        reading.computeIfPresent(uid, (u, n) -> n <= 1 ? null : n - 1);
    }

    /** Logs at most one such line a second (a peer must not be able to flood the log). */
    void logRateLimited(String line) {
        long now = System.nanoTime();
        long last = lastRateLimitedLog.get();
        if (now - last >= 1_000_000_000L && lastRateLimitedLog.compareAndSet(last, now)) {
            log.log(line);
        }
    }

    /** Blocks until {@link #close()} (for a main thread). */
    public void awaitStop() throws InterruptedException {
        acceptor.join();
        handlers.awaitTermination(Long.MAX_VALUE, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops accepting, lets handshakes in progress finish for up to 5 s, then aborts the rest, and removes the socket
     * file.
     */
    @Override
    public void close() throws IOException {
        if (stopping) {
            return;
        }
        stopping = true;
        socket.shutdown();
        sessions.stopWatching();
        try {
            acceptor.join(5000);
            handlers.shutdown();
            if (!handlers.awaitTermination(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                aborting = true;
                handlers.awaitTermination(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (watcher != null) {
                watcher.interrupt();
            }
            sessions.close();
            socket.close();
            dummies.close();
            log.log("stopped after " + requests.get() + " requests");
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int uid() throws IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).strip().split("\\s+")[1]); // the effective uid
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    private static String version() {
        String v = AgentDaemon.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

}
