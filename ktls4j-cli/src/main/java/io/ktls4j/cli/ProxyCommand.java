package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.http.ConnectionLimits;
import io.ktls4j.http.HttpServer;
import io.ktls4j.http.HttpLimits;
import io.ktls4j.http.IpAddresses;
import io.ktls4j.http.Transport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ktls proxy --listen HOST:PORT --to HOST:PORT}: a TLS-terminating TCP proxy on serve's machinery
 * ({@link HttpServer} with the {@link ProxyRelay} service in place of HTTP).
 */
@Command(name = "proxy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Terminates TLS on each --listen address and relays the plaintext to the --to address that "
                + "follows it, over TCP, in both directions (half-close kept: the client's close_notify becomes the "
                + "backend's FIN and the other way). How it works, per backend: docs/PROXY.md.",
            "Without --cert/--key the self-signed certificate of 'ktls serve' (localhost, kept in the state "
                + "directory) is served. One line per connection on standard error: bytes each way, time, backend "
                + "and record layer per direction, why it ended. SIGTERM stops accepting and lets the connections "
                + "end (see --drain-timeout), then exits 0."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:stopped normally (SIGTERM)",
            "1:runtime failure (cannot bind, bad certificate or key)",
            "2:usage error",
            "3:--backend kernel and the kernel has no kTLS (or none of the suites)"})
final class ProxyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Where clients connect with TLS (port 0 picks one); repeat with a --to for each.")
    List<String> listen;

    @Option(names = "--to", required = true, paramLabel = "HOST:PORT",
            description = "The plain TCP backend of the --listen before it (the host is resolved at each connection).")
    List<String> to;

    @Option(names = "--from-tls", description = "Clients connect with TLS: the default; give it with --to-tls for "
            + "TLS on both sides.")
    boolean fromTls;

    @Option(names = "--to-tls", description = "Connect to the backends with TLS (a client-side sidecar): the clients "
            + "then send plaintext, unless --from-tls is given too. The backend's certificate must chain to --cacert "
            + "(default: the system trust store) and name --backend-servername.")
    boolean toTls;

    @Option(names = "--backend-servername", paramLabel = "NAME",
            description = "With --to-tls: the name sent as SNI and checked in the backend's certificate (default: the "
                    + "host of each --to).")
    String backendServerName;

    @Mixin
    TrustOptions backendTrust;

    @Mixin
    ServerTls tls;

    @Option(names = "--alpn", paramLabel = "PROTOCOL", split = ",",
            description = "ALPN protocol names to select from the client's list, most preferred first, e.g. "
                    + "http/1.1 (default: none, no ALPN).")
    List<String> alpn = List.of();

    @Option(names = "--splice", paramLabel = "auto|off|always", defaultValue = "auto",
            description = "Move the plaintext with splice(2) through a pipe, never into the JVM: auto = when both "
                    + "directions of the TLS session are in the kernel, off = never, always = with the software "
                    + "record layer too (its side of each pipe then runs in the JVM; for tests) (default: "
                    + "${DEFAULT-VALUE}).")
    ProxyRelay.Splice splice;

    @Mixin
    ConnectionLimitOptions limits;

    @Mixin
    StateDir stateDir;

    @Mixin
    ProxyTimeouts timeouts;

    @Option(names = "--proxy-protocol", description = "Send the backend a PROXY protocol v2 header first (the "
            + "client's address and port, the address it connected to, and for TLS clients the ALPN protocol, SNI "
            + "name and TLS version), as HAProxy's send-proxy-v2; the backend must expect it (nginx: listen ... "
            + "proxy_protocol).")
    boolean proxyProtocol;

    @Option(names = "--status-listen", paramLabel = "HOST:PORT",
            description = "Serve serve's status page (/_ktls/status: HTML, or JSON with Accept: application/json) over "
                    + "plain HTTP on this address, to clients on this host only (default: no status page).")
    String statusListen;

    @Option(names = "--quiet", description = "No per-connection log lines.")
    boolean quiet;

    @Mixin
    AgentOption agent;

    private volatile GracefulStop stopper;
    /** Where {@code --status-listen} asks for the status page, or null. */
    private HostPort statusAt;

    /** One --listen and its --to. */
    private record Route(HostPort listen, HostPort backend) {
    }

    @Override
    public Integer call() throws Exception {
        List<Route> routes = routes();
        boolean tlsIn = fromTls || !toTls;
        checkUsage(tlsIn);
        ConnectionLimits connectionLimits = limits.limits(spec.commandLine());
        ServerStats stats = new ServerStats();
        ServerTls.Setup setup = tlsIn ? tls.setup(spec.commandLine(), stats, agent.socket, stateDir.path(),
                timeouts.handshake(), alpn) : null;
        KtlsContext backendContext = toTls ? backendContext() : null;
        ServerLog log = new ServerLog(stats, spec.commandLine().getErr(), null, quiet);
        List<HttpServer> servers = new ArrayList<>();
        try {
            for (Route r : routes) {
                ServerSocketChannel listener = listen(r.listen());
                ProxyRelay.TlsOut tlsOut = backendContext == null ? null : new ProxyRelay.TlsOut(backendContext,
                        backendServerName != null ? backendServerName : r.backend().host());
                servers.add(new HttpServer(listener, tlsIn ? setup.transport() : Transport.PLAIN,
                        new ProxyRelay(r.backend(), timeouts.connect(), timeouts.idle(), splice, tlsOut,
                                proxyProtocol),
                        connectionLimits, timeouts.handshake(), log));
            }
        } catch (IOException | RuntimeException e) {
            for (HttpServer s : servers) {
                s.close();
            }
            throw e;
        }
        stopper = new GracefulStop(servers, timeouts.drain(), log, "connection", "streams");
        List<String> described = describe(routes, servers);
        HttpServer status = statusAt == null ? null : statusServer(stats, setup, described, connectionLimits);
        banner(spec.commandLine().getOut(), described, status, setup, servers.getFirst());
        try {
            stopper.run();
        } finally {
            if (status != null) {
                status.close();
            }
        }
        return ExitCodes.OK;
    }

    /** @param tlsIn whether the clients speak TLS */
    private void checkUsage(boolean tlsIn) {
        tls.checkUsage(spec.commandLine(), agent.socket);
        if (!toTls && (backendServerName != null || backendTrust.cacert != null || backendTrust.insecure)) {
            throw new ParameterException(spec.commandLine(), "--backend-servername, --cacert and -k are for the TLS "
                    + "connection to the backend: add --to-tls, or drop them");
        }
        if (statusAt != null && !tlsIn) {
            throw new ParameterException(spec.commandLine(), "--status-listen: the status page shows the clients' TLS "
                    + "sessions, and with --to-tls alone there are none; add --from-tls or drop --status-listen");
        }
    }

    /** {@code LISTEN -> BACKEND} for each route, with the port listened on. */
    private static List<String> describe(List<Route> routes, List<HttpServer> servers) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            lines.add(IpAddresses.withPort(servers.get(i).localAddress()) + " -> " + routes.get(i).backend());
        }
        return lines;
    }

    /**
     * The routes, the status page, the TLS on each side and (for the embedded default certificate) how to trust it.
     *
     * @param setup the clients' TLS, or null with --to-tls alone
     */
    private void banner(PrintWriter out, List<String> routes, HttpServer status, ServerTls.Setup setup,
                        HttpServer first) throws IOException {
        for (String route : routes) {
            out.println("ktls proxy: " + route);
        }
        if (status != null) {
            out.println("  status: http://" + IpAddresses.withPort(status.localAddress()) + StatusPage.PATH);
        }
        if (setup != null) {
            out.println(setup.bannerLine());
        } else {
            out.println("  TLS: none from the clients (plaintext in)");
        }
        if (toTls) {
            out.println("  TLS to the backends, trusting " + (backendTrust.insecure ? "ANY certificate (-k)"
                    : backendTrust.cacert != null ? backendTrust.cacert : "the system trust store"));
        }
        if (setup != null) {
            setup.printCertificate(out, ServeUrl.of(first.localAddress()));
        }
        out.flush();
    }

    /**
     * {@code --status-listen}: serve's status page, on a plain HTTP listener of its own (the proxy's ports carry the
     * backends' protocols), for clients on this host. Its own requests are not counted or logged.
     */
    private HttpServer statusServer(ServerStats stats, ServerTls.Setup setup, List<String> routes,
                                    ConnectionLimits limits) throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", new Main.Version().getVersion()[0]);
        info.put("routes", routes);
        info.putAll(setup.status());
        StatusPage page = new StatusPage(stats, info, stopper::activeConnections, limits, StatusPage.Access.LOCAL,
                setup.backends());
        ServerSocketChannel listener = listen(statusAt);
        return new HttpServer(listener, Transport.PLAIN, page, HttpLimits.DEFAULT, 16, timeouts.handshake(),
                new ServerLog(new ServerStats(), spec.commandLine().getErr(), null, true)).start();
    }

    /** The client side of {@code --to-tls}: trust, the record layer of --backend, the connect timeout. */
    private KtlsContext backendContext() throws IOException {
        KtlsContextBuilder b = KtlsContext.forClient().handshakeTimeout(timeouts.connect());
        backendTrust.applyTo(b);
        return tls.backend.build(b);
    }

    private List<Route> routes() {
        if (listen.size() != to.size()) {
            throw new ParameterException(spec.commandLine(), "give one --to after each --listen (" + listen.size()
                    + " --listen, " + to.size() + " --to)");
        }
        List<Route> routes = new ArrayList<>();
        try {
            for (int i = 0; i < listen.size(); i++) {
                routes.add(new Route(HostPort.parse("--listen", listen.get(i)), HostPort.parse("--to", to.get(i))));
            }
            statusAt = statusListen == null ? null : HostPort.parse("--status-listen", statusListen);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return routes;
    }

    /** Binds a listening socket; a failure names the address and port ({@link FailureMessages}). */
    private static ServerSocketChannel listen(HostPort at) throws IOException {
        try {
            return HttpServer.bind(at.resolve(), 1024);
        } catch (IOException | UnresolvedAddressException e) {
            throw new EndpointException(EndpointException.Action.LISTEN, at.host(), at.port(), e);
        }
    }

    /** Connections held now, by every listener (for tests). */
    int activeConnections() {
        GracefulStop g = stopper;
        return g == null ? 0 : g.activeConnections();
    }

    /** Stops at once (tests). */
    void stop() {
        GracefulStop g = stopper;
        if (g != null) {
            g.stop();
        }
    }
}
