package io.ktls4j.cli;

import io.ktls4j.http.ConnectionLimits;
import io.ktls4j.http.ConnectionLog;
import io.ktls4j.http.FileServing;
import io.ktls4j.http.Handler;
import io.ktls4j.http.HttpServer;
import io.ktls4j.http.LogLines;
import io.ktls4j.http.StaticFileHandler;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

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

    @Mixin
    ServerTls tls;

    @Mixin
    ConnectionLimitOptions limits;

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

    @Mixin
    AgentOption agent;

    private volatile HttpServer server;
    private volatile GracefulStop stopper;

    @Override
    public Integer call() throws Exception {
        checkUsage();
        ConnectionLimits connectionLimits = limits.limits(spec.commandLine());
        ServerStats stats = new ServerStats();
        ServerTls.Setup setup = tls.setup(spec.commandLine(), stats, agent.socket, stateDir.path(),
                timeouts.handshake(), HttpServer.ALPN_PROTOCOLS);
        StaticFileHandler files = new StaticFileHandler(dir, serving());
        var listener = listen();
        InetSocketAddress local = (InetSocketAddress) listener.getLocalAddress();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", new Main.Version().getVersion()[0]);
        info.put("address", io.ktls4j.http.IpAddresses.withPort(local));
        info.put("root", files.root().toString());
        info.putAll(setup.status());
        StatusPage status = new StatusPage(stats, info, () -> server == null ? 0 : server.activeConnections(),
                connectionLimits, statusAccess, setup.backends());
        Handler handler = Handler.route("/_ktls/", status, files);
        ConnectionLog connectionLog = new ServerLog(stats, spec.commandLine().getErr(), accessLog(), quiet);
        server = new HttpServer(listener, setup.transport(), handler, timeouts.limits(),
                connectionLimits, timeouts.handshake(), connectionLog);
        openClassPath();
        stopper = new GracefulStop(List.of(server), timeouts.drain(), connectionLog, "response", "responses");
        banner(spec.commandLine().getOut(), local, files.root(), setup);
        stopper.run();
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

    private void checkUsage() {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port " + port + " is not a TCP port: use 0 to 65535 (0 "
                    + "picks a free one)");
        }
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "not a directory: " + dir);
        }
        tls.checkUsage(spec.commandLine(), agent.socket);
    }

    private void banner(PrintWriter out, InetSocketAddress local, Path root, ServerTls.Setup setup) throws IOException {
        ServeUrl serveUrl = ServeUrl.of(local);
        String url = serveUrl.url();
        out.println("ktls serve: " + root + " on " + url);
        out.println(setup.bannerLine());
        setup.printCertificate(out, serveUrl);
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

    /** Stops the server at once (the shutdown hook, a second SIGTERM, and tests). */
    void stop() {
        GracefulStop g = stopper;
        if (g != null) {
            g.stop();
        }
    }
}
