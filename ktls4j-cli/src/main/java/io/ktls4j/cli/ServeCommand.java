package io.ktls4j.cli;

import io.ktls4j.agent.AgentClient;
import io.ktls4j.handshake.ClientAuth;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.http.ConnectionLimits;
import io.ktls4j.http.ConnectionLog;
import io.ktls4j.http.FileServing;
import io.ktls4j.http.Handler;
import io.ktls4j.http.HttpServer;
import io.ktls4j.http.LogLines;
import io.ktls4j.http.StaticFileHandler;
import io.ktls4j.http.Transport;
import io.ktls4j.linux.KernelTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code ktls serve [DIR]}: an HTTPS static file server on kernel TLS, with the software record layer as fallback. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves the files under DIR over HTTPS (HTTP/1.1: GET, HEAD, Range, ETag, keep-alive, directory "
                + "listings; what each nginx habit maps to: docs/SERVE.md). File bodies go out with sendfile(2) when TX runs in the kernel.",
            "Without --cert/--key a self-signed certificate for localhost (ECDSA P-256) is made on the first run and "
                + "kept in the state directory; its path and SHA-256 fingerprint are printed for curl --cacert.",
            "One access-log line per request on standard output (nginx's combined format, then TLS version, suite, "
                + "group and backend per direction, and the request time; see --access-log), and one line per "
                + "connection on standard error, with why it ended. SIGTERM stops accepting and lets the responses in "
                + "progress finish (see --drain-timeout), then exits 0. Status: https://HOST:PORT/_ktls/status (HTML, or JSON "
                + "with Accept: application/json; see --status for who may see it)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:stopped normally (SIGTERM: once the responses in progress finished, or the drain time ran out)",
            "1:runtime failure (cannot bind, bad certificate or key)",
            "2:usage error",
            "3:--backend kernel and the kernel has no kTLS (or none of the suites)"},
        footerHeading = "%nFixed limits:%n",
        footer = {"Request line 8 KiB (then 414), request head 16 KiB and 100 header fields (431), body of a GET or "
                + "HEAD 64 KiB (413), 10,000 requests per connection. Out of file descriptors, accepting pauses "
                + "(up to 500 ms at a time). Every limit, its default and what it holds: docs/RELIABILITY.md."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", defaultValue = ".",
            description = "Directory to serve (default: the current directory).")
    Path dir;

    @Option(names = "--port", defaultValue = "8443", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks one).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--cert", paramLabel = "PEM", description = "Certificate chain, PEM, end entity first.")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM", description = "Private key of --cert, PEM (PKCS#8 or traditional).")
    Path key;

    @Mixin
    BackendOption backend;

    @Mixin
    TlsOptions tls;

    @Option(names = "--no-tickets", description = "Send no TLS 1.3 session tickets, so clients cannot resume "
            + "(default: two tickets after each full handshake, valid two hours, keys in memory only).")
    boolean noTickets;

    @Option(names = "--client-auth", paramLabel = "none|optional|require", defaultValue = "none",
            description = "Ask for a client certificate (default: ${DEFAULT-VALUE}); needs --client-ca.")
    ClientAuth clientAuth;

    @Option(names = "--client-ca", paramLabel = "PEM", description = "CA certificates that client certificates must chain to.")
    Path clientCa;

    @Option(names = "--max-connections", defaultValue = "1024",
            description = "Connections held at once (default: ${DEFAULT-VALUE}). At the limit the connection that has "
                    + "waited longest unanswered (in its handshake, idle, or still sending its request head) is "
                    + "closed to make room; only when all are being answered is a newcomer refused.")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", defaultValue = "256", paramLabel = "N",
            description = "Connections held at once from one client IP address; more are closed at once, before "
                    + "any handshake (default: ${DEFAULT-VALUE}).")
    int maxPerAddress;

    @Option(names = "--status", paramLabel = "local|public|off", defaultValue = "local",
            description = "Who may see /_ktls/status: local = clients on this host (others get 404), public = "
                    + "everyone (the served directory and agent socket paths still only to local clients), off = "
                    + "nobody (default: ${DEFAULT-VALUE}).")
    StatusPage.Access statusAccess;

    /** Whether hidden files are served. */
    enum Dotfiles {
        DENY, ALLOW;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(names = "--dotfiles", paramLabel = "deny|allow", defaultValue = "deny",
            description = "Hidden files and directories (a path segment starting with '.': .git, .env): deny = 404 as "
                    + "if missing and left out of listings, allow = served like any file (default: ${DEFAULT-VALUE}).")
    Dotfiles dotfiles;

    /** Whether precompressed siblings are served. */
    enum Precompressed {
        ON, OFF;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(names = "--precompressed", paramLabel = "on|off", defaultValue = "on",
            description = "Send FILE.br or FILE.gz in place of FILE to a client whose Accept-Encoding takes it, with "
                    + "Content-Encoding and Vary: Accept-Encoding, as nginx's gzip_static (default: ${DEFAULT-VALUE}).")
    Precompressed precompressed;

    @Option(names = "--cache-control", paramLabel = "VALUE",
            description = "A Cache-Control header on file responses (200, 206, 304), e.g. 'public, max-age=3600' "
                    + "(default: none; ETag and Last-Modified are always sent, so clients revalidate).")
    String cacheControl;

    @Mixin
    StateDir stateDir;

    @Mixin
    ServeTimeouts timeouts;

    @Option(names = "--quiet", description = "No per-connection log lines, and no access log unless --access-log "
            + "names a file.")
    boolean quiet;

    @Option(names = "--access-log", paramLabel = "FILE|off",
            description = "Where the access log goes: a file (appended to, as nginx does), '-' for standard output, "
                    + "or off (default: standard output; off with --quiet).")
    String accessLog;

    @Option(names = "--agent", paramLabel = "SOCKET",
            description = "Let the handshake agent listening on SOCKET ('ktls agent') run the TLS handshakes: the "
                    + "certificate and key stay in the agent, this process only gets kernel-TLS sockets.")
    Path agent;

    private static final Signal TERM = new Signal("TERM");

    private volatile HttpServer server;
    private volatile ConnectionLog connectionLog;
    private final AtomicBoolean draining = new AtomicBoolean();
    /** Counted down when the server has stopped: after a drain, or by {@link #stop()}. */
    private final CountDownLatch drained = new CountDownLatch(1);

    /**
     * What depends on who runs the TLS handshakes, this process or the handshake agent; the rest of {@code serve}
     * is one path.
     *
     * @param status the entries of the status page's {@code server} object about it
     * @param bannerLine the banner's TLS line
     * @param selfSigned the embedded default certificate when this process serves it, else null
     * @param backends where the status page's headline looks for why a direction is where it is
     */
    private record TlsSetup(Transport transport, Map<String, Object> status, String bannerLine,
                            SelfSignedCertificate selfSigned, StatusHeadline.Setup backends) {
    }

    @Override
    public Integer call() throws Exception {
        checkUsage();
        ServerStats stats = new ServerStats();
        TlsSetup setup = agent == null ? inProcess(stats) : byAgent(stats);
        StaticFileHandler files = new StaticFileHandler(dir, serving());
        var listener = listen();
        InetSocketAddress local = (InetSocketAddress) listener.getLocalAddress();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", new Main.Version().getVersion()[0]);
        info.put("address", io.ktls4j.http.IpAddresses.withPort(local));
        info.put("root", files.root().toString());
        info.putAll(setup.status());
        ConnectionLimits connectionLimits = new ConnectionLimits(maxConnections, maxPerAddress);
        StatusPage status = new StatusPage(stats, info, () -> server == null ? 0 : server.activeConnections(),
                connectionLimits, statusAccess, setup.backends());
        Handler handler = Handler.route("/_ktls/", status, files);
        connectionLog = log(stats, spec.commandLine().getErr(), accessLog());
        server = new HttpServer(listener, setup.transport(), handler, timeouts.limits(),
                connectionLimits, timeouts.handshake(), connectionLog);
        openClassPath();
        banner(spec.commandLine().getOut(), local, files.root(), setup);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "ktls-shutdown"));
        SignalHandler previous = onSigterm(s -> drain());
        try {
            server.start().join();
            drained.await();
        } finally {
            if (previous != null) {
                Signal.handle(TERM, previous);
            }
        }
        return ExitCodes.OK;
    }

    /** Binds the listening socket; a failure names the address and port ({@link FailureMessages}). */
    private java.nio.channels.ServerSocketChannel listen() throws IOException {
        try {
            return HttpServer.bind(new InetSocketAddress(bind, port), 1024);
        } catch (IOException | java.nio.channels.UnresolvedAddressException e) {
            throw new EndpointException(EndpointException.Action.LISTEN, bind, port, e);
        }
    }

    /** Installs {@code handler} for SIGTERM; returns the one it replaces, or null when the JVM keeps the signal. */
    private static SignalHandler onSigterm(SignalHandler handler) {
        try {
            return Signal.handle(TERM, handler);
        } catch (IllegalArgumentException e) {
            return null; // -Xrs, or a platform without SIGTERM: the JVM's exit and the shutdown hook stop the server
        }
    }

    /**
     * SIGTERM: stops accepting, lets the responses in progress finish within the drain time, then returns from
     * {@link #call()} with exit code 0. A second SIGTERM while draining closes everything at once.
     */
    private void drain() {
        HttpServer s = server;
        if (s == null) {
            return;
        }
        if (!draining.compareAndSet(false, true)) {
            stop();
            return;
        }
        ConnectionLog log = connectionLog;
        Duration timeout = timeouts.drain();
        int open = s.activeConnections();
        log.notice("SIGTERM: stopped accepting; " + (open == 0 ? "no connection open"
                : "waiting up to " + timeout.toMillis() + " ms for " + connections(open)
                        + " to finish their responses"));
        try {
            int cut = s.shutdown(timeout);
            log.notice(cut == 0 ? "stopped: every response finished"
                    : "stopped: " + connections(cut) + " still open after the drain time closed");
        } catch (InterruptedException e) {
            stop();
        } finally {
            drained.countDown();
        }
    }

    private void checkUsage() {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port " + port + " is not a TCP port: use 0 to 65535 (0 "
                    + "picks a free one)");
        }
        if ((cert == null) != (key == null)) {
            throw new ParameterException(spec.commandLine(), "--cert and --key go together");
        }
        if (clientAuth != ClientAuth.NONE && clientCa == null) {
            throw new ParameterException(spec.commandLine(), "--client-auth " + clientAuth + " needs --client-ca");
        }
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "not a directory: " + dir);
        }
        if (maxConnections < 1 || maxPerAddress < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--max-connections and --max-connections-per-ip must be at least 1");
        }
        if (agent != null && (cert != null || clientAuth != ClientAuth.NONE || tls.given() || noTickets
                || backend.policy != BackendPolicy.AUTO)) {
            throw new ParameterException(spec.commandLine(), "--agent: the agent's configuration decides the "
                    + "certificate, versions, suites and client authentication; drop --cert/--key/--tls/--ciphers/"
                    + "--groups/--no-tickets/--client-auth/--backend");
        }
    }

    /** The handshakes run here, with --cert/--key or the embedded default certificate. */
    private TlsSetup inProcess(ServerStats stats) throws IOException {
        SelfSignedCertificate selfSigned = null;
        Path certFile = cert;
        Path keyFile = key;
        if (cert != null) {
            PemFiles.requireCertificate("--cert", cert);
            PemFiles.requirePrivateKey("--key", key);
        } else {
            selfSigned = SelfSignedCertificate.loadOrCreate(stateDir.path());
            certFile = selfSigned.certificate();
            keyFile = selfSigned.privateKey();
        }
        KtlsContext context = context(certFile, keyFile);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("backend_policy", backend.policy.toString());
        status.put("protocols", context.protocols().stream().map(Object::toString).toList());
        status.put("groups", context.groups().stream().map(Object::toString).toList());
        status.put("session_tickets", context.issuesSessionTickets());
        String line = "  TLS " + context.protocols() + ", " + context.cipherSuites().size() + " suites, groups "
                + context.groups() + (context.issuesSessionTickets() ? ", session tickets" : ", no session tickets")
                + ", backend "
                + backend.policy + (backend.policy == BackendPolicy.SOFTWARE ? "" : KernelTls.isAvailable()
                ? " (kTLS available)" : " (no kTLS here, software record layer: "
                + KernelTls.availability().reason() + ")");
        return new TlsSetup(new TlsTransport(context, stats), status, line, selfSigned, new StatusHeadline.Setup(
                backend.policy.toString(), KernelTls.isAvailable(), KernelTls.availability().reason()));
    }

    /** {@code --agent}: each handshake is run by the handshake agent, which holds the certificate and key. */
    private TlsSetup byAgent(ServerStats stats) throws IOException {
        AgentClient handshakes = AgentClient.connect(agent);
        String line = "  TLS handshakes by the agent at " + agent + " (" + handshakes.agentVersion() + ", "
                + (handshakes.agentHasKtls() ? "kTLS available" : "no kTLS there") + "); no key in this process";
        AgentTransport transport = new AgentTransport(handshakes, stats, timeouts.handshake());
        transport.refuseToServeIfEveryHandshakeIsRefused();
        return new TlsSetup(transport, Map.of("handshake_agent", agent.toString()), line, null,
                new StatusHeadline.Setup("agent", handshakes.agentHasKtls(), "the agent reports none"));
    }

    private KtlsContext context(Path certFile, Path keyFile) throws IOException {
        KtlsContextBuilder b = KtlsContext.forServer(certFile, keyFile);
        try {
            tls.applyTo(b);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        b.clientAuth(clientAuth).handshakeTimeout(timeouts.handshake())
                .applicationProtocols(HttpServer.ALPN_PROTOCOLS.toArray(String[]::new));
        if (noTickets) {
            b.sessionResumption(false);
        }
        if (clientCa != null) {
            PemFiles.requireCertificate("--client-ca", clientCa);
            b.trustManager(clientCa);
        }
        return backend.build(b);
    }

    private void banner(PrintWriter out, InetSocketAddress local, Path root, TlsSetup setup) throws IOException {
        ServeUrl serveUrl = ServeUrl.of(local);
        String url = serveUrl.url();
        out.println("ktls serve: " + root + " on " + url);
        out.println(setup.bannerLine());
        SelfSignedCertificate selfSigned = setup.selfSigned();
        if (selfSigned != null) {
            out.println("  certificate: " + selfSigned.certificate() + (selfSigned.created() ? " (created now)" : ""));
            out.println("  SHA-256 fingerprint: " + selfSigned.sha256Fingerprint());
            out.println("  try: " + serveUrl.curl(selfSigned.certificate().toString()));
            out.println("   or: curl -k --pinnedpubkey '" + selfSigned.publicKeyPin() + "' " + url);
        }
        out.println("  status: " + url + "_ktls/status");
        out.flush();
    }

    private FileServing serving() {
        try {
            return FileServing.DEFAULT.withHiddenFiles(dotfiles == Dotfiles.ALLOW).withCacheControl(cacheControl)
                    .withPrecompressed(precompressed == Precompressed.ON);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--cache-control: " + e.getMessage());
        }
    }

    /** Where access-log lines go, or null for nowhere. */
    private PrintWriter accessLog() throws IOException {
        String where = accessLog != null ? accessLog : quiet ? "off" : "-";
        return switch (where) {
            case "off" -> null;
            case "-" -> spec.commandLine().getOut();
            default -> {
                try {
                    yield new PrintWriter(Files.newBufferedWriter(Path.of(where), StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE));
                } catch (IOException e) {
                    throw new IOException("cannot open the access log " + where + " for appending ("
                            + LogLines.oneLine(e) + "); give a writable file, '-' or off", e);
                }
            }
        };
    }

    private ConnectionLog log(ServerStats stats, PrintWriter err, PrintWriter access) {
        return new ConnectionLog() {
            @Override
            public void request(ConnectionLog.Request r) {
                stats.answered();
                if (access != null) {
                    String line = LogLines.access(r);
                    synchronized (access) {
                        access.println(line);
                        access.flush();
                    }
                }
            }

            @Override
            public void served(ConnectionLog.Summary s) {
                stats.served(s.bytesOut());
                if (!quiet) {
                    err.println(LogLines.served(s));
                    err.flush();
                }
            }

            @Override
            public void failed(SocketAddress peer, Duration duration, Throwable cause) {
                if (!quiet) {
                    err.println(LogLines.failed(peer, duration, cause));
                    err.flush();
                }
            }

            /** Not per connection, and at most one a second of each kind: logged even with --quiet. */
            @Override
            public void notice(String message) {
                err.println(LogLines.notice(message));
                err.flush();
            }
        };
    }

    /**
     * Opens every jar of the class path now, by looking for a resource that is in none: a class first needed while
     * the process is out of file descriptors could not be read from a jar not opened yet, and the class loader
     * would not try that jar again.
     */
    private static void openClassPath() throws IOException {
        Collections.list(ClassLoader.getSystemClassLoader().getResources("io/ktls4j/cli/no-such-resource"));
    }

    /** Connections held now (for tests). */
    int activeConnections() {
        HttpServer s = server;
        return s == null ? 0 : s.activeConnections();
    }

    private static String connections(int n) {
        return n == 1 ? "1 connection" : n + " connections";
    }

    /** Stops the server at once (the shutdown hook, a second SIGTERM, and tests). */
    void stop() {
        HttpServer s = server;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // exiting anyway
            }
        }
        drained.countDown();
    }
}
