package io.ktls4j.cli;

import io.ktls4j.handshake.ClientAuth;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.http.ConnectionLog;
import io.ktls4j.http.Handler;
import io.ktls4j.http.HttpLimits;
import io.ktls4j.http.HttpServer;
import io.ktls4j.http.LogLines;
import io.ktls4j.http.StaticFileHandler;
import io.ktls4j.linux.KernelTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ktls serve [DIR]}: an HTTPS static file server on kernel TLS, with the software record layer as fallback. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves the files under DIR over HTTPS (HTTP/1.1: GET, HEAD, Range, keep-alive, directory "
                + "listings). File bodies go out with sendfile(2) when TX runs in the kernel.",
            "Without --cert/--key a self-signed certificate for localhost (ECDSA P-256) is made on the first run and "
                + "kept in the state directory; its path and SHA-256 fingerprint are printed for curl --cacert.",
            "One log line per connection on standard error. Status: https://HOST:PORT/_ktls/status (HTML, or JSON "
                + "with Accept: application/json)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:stopped normally",
            "1:runtime failure (cannot bind, bad certificate or key)",
            "2:usage error",
            "3:--backend kernel and the kernel has no kTLS (or none of the suites)"})
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

    @Option(names = "--backend", paramLabel = "auto|kernel|software", defaultValue = "auto",
            description = "Record layer after the handshake: auto (kernel where it can, else software), kernel "
                    + "(exit 3 without kTLS), software (default: ${DEFAULT-VALUE}).")
    BackendPolicy backend;

    @Option(names = "--tls", paramLabel = "1.2|1.3", split = ",", description = "TLS versions (default: 1.3,1.2).")
    List<String> tls;

    @Option(names = "--ciphers", paramLabel = "SUITE", split = ",",
            description = "Cipher suites, IANA names, comma-separated (default: every kTLS-capable suite).")
    List<String> ciphers;

    @Option(names = "--client-auth", paramLabel = "none|optional|require", defaultValue = "none",
            description = "Ask for a client certificate (default: ${DEFAULT-VALUE}); needs --client-ca.")
    ClientAuth clientAuth;

    @Option(names = "--client-ca", paramLabel = "PEM", description = "CA certificates that client certificates must chain to.")
    Path clientCa;

    @Option(names = "--max-connections", defaultValue = "1024",
            description = "Connections served at once; more wait in the backlog (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the default certificate is kept (default: $XDG_STATE_HOME/ktls4j or ~/.local/state/ktls4j).")
    Path stateDir;

    @Option(names = "--handshake-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds a TLS handshake may take (default: ${DEFAULT-VALUE}).")
    double handshakeTimeout;

    @Option(names = "--request-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds from a request's first byte to the end of its head, then 408 (default: ${DEFAULT-VALUE}).")
    double requestTimeout;

    @Option(names = "--keepalive-timeout", defaultValue = "15", paramLabel = "SECONDS",
            description = "Seconds an idle keep-alive connection is kept (default: ${DEFAULT-VALUE}).")
    double keepAliveTimeout;

    @Option(names = "--send-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Seconds a response may stall on a client that stopped reading, then the connection is "
                    + "closed (default: ${DEFAULT-VALUE}).")
    double sendTimeout;

    @Option(names = "--quiet", description = "No per-connection log lines.")
    boolean quiet;

    @Option(names = "--agent", paramLabel = "SOCKET",
            description = "Let the handshake agent listening on SOCKET ('ktls agent') run the TLS handshakes: the "
                    + "certificate and key stay in the agent, this process only gets kernel-TLS sockets.")
    Path agent;

    private volatile HttpServer server;

    @Override
    public Integer call() throws Exception {
        if ((cert == null) != (key == null)) {
            throw new ParameterException(spec.commandLine(), "--cert and --key go together");
        }
        if (clientAuth != ClientAuth.NONE && clientCa == null) {
            throw new ParameterException(spec.commandLine(), "--client-auth " + clientAuth + " needs --client-ca");
        }
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "not a directory: " + dir);
        }
        if (maxConnections < 1) {
            throw new ParameterException(spec.commandLine(), "--max-connections must be at least 1");
        }
        if (agent != null && (cert != null || clientAuth != ClientAuth.NONE || tls != null || ciphers != null
                || backend != BackendPolicy.AUTO)) {
            throw new ParameterException(spec.commandLine(), "--agent: the agent's configuration decides the "
                    + "certificate, versions, suites and client authentication; drop --cert/--key/--tls/--ciphers/"
                    + "--client-auth/--backend");
        }
        PrintWriter out = spec.commandLine().getOut();
        ServerStats stats = new ServerStats();
        if (agent != null) {
            return serveWithAgent(out, stats);
        }
        SelfSignedCertificate selfSigned = null;
        Path certFile = cert;
        Path keyFile = key;
        if (cert == null) {
            selfSigned = SelfSignedCertificate.loadOrCreate(StateDir.resolve(stateDir, System.getenv()));
            certFile = selfSigned.certificate();
            keyFile = selfSigned.privateKey();
        }
        KtlsContext context = context(certFile, keyFile, stats);
        StaticFileHandler files = new StaticFileHandler(dir);
        HttpLimits limits = HttpLimits.DEFAULT.withTimeouts(seconds(keepAliveTimeout), seconds(requestTimeout),
                seconds(sendTimeout));
        var listener = HttpServer.bind(new InetSocketAddress(bind, port), 1024);
        InetSocketAddress local = (InetSocketAddress) listener.getLocalAddress();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", new Main.Version().getVersion()[0]);
        info.put("address", bind + ":" + local.getPort());
        info.put("root", files.root().toString());
        info.put("backend_policy", backend.toString());
        info.put("protocols", context.protocols().toString());
        StatusPage status = new StatusPage(stats, info, () -> server == null ? 0 : server.activeConnections(),
                maxConnections);
        Handler handler = Handler.route("/_ktls/", status, files);
        server = new HttpServer(listener, new TlsTransport(context, stats), handler, limits, maxConnections,
                seconds(handshakeTimeout), log(stats, spec.commandLine().getErr()));
        banner(out, local, files.root(), context, selfSigned);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "ktls-shutdown"));
        server.start().join();
        return ExitCodes.OK;
    }

    /** {@code --agent}: the same server, with each handshake run by the handshake agent. */
    private int serveWithAgent(PrintWriter out, ServerStats stats) throws Exception {
        io.ktls4j.agent.AgentClient handshakes = io.ktls4j.agent.AgentClient.connect(agent);
        StaticFileHandler files = new StaticFileHandler(dir);
        HttpLimits limits = HttpLimits.DEFAULT.withTimeouts(seconds(keepAliveTimeout), seconds(requestTimeout),
                seconds(sendTimeout));
        var listener = HttpServer.bind(new InetSocketAddress(bind, port), 1024);
        InetSocketAddress local = (InetSocketAddress) listener.getLocalAddress();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", new Main.Version().getVersion()[0]);
        info.put("address", bind + ":" + local.getPort());
        info.put("root", files.root().toString());
        info.put("handshake_agent", agent.toString());
        StatusPage status = new StatusPage(stats, info, () -> server == null ? 0 : server.activeConnections(),
                maxConnections);
        Handler handler = Handler.route("/_ktls/", status, files);
        server = new HttpServer(listener, new AgentTransport(handshakes, stats, seconds(handshakeTimeout)), handler,
                limits, maxConnections, seconds(handshakeTimeout), log(stats, spec.commandLine().getErr()));
        String host = bind.equals("127.0.0.1") || bind.equals("localhost") ? "localhost" : bind;
        String url = "https://" + host + ":" + local.getPort() + "/";
        out.println("ktls serve: " + files.root() + " on " + url);
        out.println("  TLS handshakes by the agent at " + agent + " (" + handshakes.agentVersion() + ", "
                + (handshakes.agentHasKtls() ? "kTLS available" : "no kTLS there") + "); no key in this process");
        out.println("  status: " + url + "_ktls/status");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "ktls-shutdown"));
        server.start().join();
        return ExitCodes.OK;
    }

    private KtlsContext context(Path certFile, Path keyFile, ServerStats stats) throws IOException {
        KtlsContextBuilder b = KtlsContext.forServer(certFile, keyFile);
        try {
            TlsOptions.apply(b, tls, ciphers);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        b.clientAuth(clientAuth).handshakeTimeout(seconds(handshakeTimeout));
        if (clientCa != null) {
            b.trustManager(clientCa);
        }
        if (backend == BackendPolicy.KERNEL) {
            b.cipherSuites(TlsOptions.kernelSuites(b.build()).toArray(TlsCipherSuite[]::new));
        }
        return b.backend(backend.backend()).build();
    }

    private void banner(PrintWriter out, InetSocketAddress local, Path root, KtlsContext context,
                        SelfSignedCertificate selfSigned) throws IOException {
        String host = bind.equals("127.0.0.1") || bind.equals("localhost") ? "localhost" : bind;
        String url = "https://" + host + ":" + local.getPort() + "/";
        out.println("ktls serve: " + root + " on " + url);
        out.println("  TLS " + context.protocols() + ", " + context.cipherSuites().size() + " suites, backend "
                + backend + (backend == BackendPolicy.SOFTWARE ? "" : KernelTls.isAvailable()
                ? " (kTLS available)" : " (no kTLS here, software record layer: "
                + KernelTls.unavailabilityCause().errno() + ")"));
        if (selfSigned != null) {
            out.println("  certificate: " + selfSigned.certificate() + (selfSigned.created() ? " (created now)" : ""));
            out.println("  SHA-256 fingerprint: " + selfSigned.sha256Fingerprint());
            out.println("  try: curl --cacert " + selfSigned.certificate() + " " + url);
            out.println("   or: curl -k --pinnedpubkey '" + selfSigned.publicKeyPin() + "' " + url);
        }
        out.println("  status: " + url + "_ktls/status");
        out.flush();
    }

    private ConnectionLog log(ServerStats stats, PrintWriter err) {
        return new ConnectionLog() {
            @Override
            public void served(ConnectionLog.Summary s) {
                stats.served(s.requests(), s.bytesOut());
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
        };
    }

    /** Stops the server (the shutdown hook, and tests). */
    void stop() {
        HttpServer s = server;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // exiting anyway
            }
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
    }
}
