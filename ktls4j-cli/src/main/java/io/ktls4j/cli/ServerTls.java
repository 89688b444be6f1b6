package io.ktls4j.cli;

import io.ktls4j.agent.AgentClient;
import io.ktls4j.handshake.ClientAuth;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.http.Transport;
import io.ktls4j.linux.KernelTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The TLS options of a server command ({@code serve}, {@code proxy}): certificate or the embedded default, record
 * layer, versions and suites, session tickets, client certificates; and the one path from them, or from the
 * handshake agent ({@code --agent}), to the {@link Transport} that runs each accepted socket's handshake.
 */
final class ServerTls {
    @Option(names = "--cert", paramLabel = "PEM", description = "Certificate chain, PEM, end entity first.")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM", description = "Private key of --cert, PEM (PKCS#8 or traditional).")
    Path key;

    @Mixin
    BackendOption backend;

    @Mixin
    TlsOptions tls;

    @Option(names = "--no-tickets", description = "Resume no sessions: no TLS 1.3 session tickets, no TLS 1.2 ticket "
            + "or session ID (default: two TLS 1.3 tickets after each full handshake, a TLS 1.2 ticket or session ID; "
            + "valid two hours, kept in memory only).")
    boolean noTickets;

    @Option(names = "--client-auth", paramLabel = "none|optional|require", defaultValue = "none",
            description = "Ask for a client certificate (default: ${DEFAULT-VALUE}); needs --client-ca.")
    ClientAuth clientAuth;

    @Option(names = "--client-ca", paramLabel = "PEM", description = "CA certificates that client certificates must chain to.")
    Path clientCa;

    /**
     * What depends on who runs the TLS handshakes, this process or the handshake agent; the rest of a server
     * command is one path.
     *
     * @param status the entries of the status page's {@code server} object about it
     * @param bannerLine the banner's TLS line
     * @param selfSigned the embedded default certificate when this process serves it, else null
     * @param backends where the status page's headline looks for why a direction is where it is
     */
    record Setup(Transport transport, Map<String, Object> status, String bannerLine,
                 SelfSignedCertificate selfSigned, StatusHeadline.Setup backends) {

        /** The banner's certificate lines when the embedded default certificate is served; {@code url} to try. */
        void printCertificate(PrintWriter out, ServeUrl url) throws IOException {
            if (selfSigned == null) {
                return;
            }
            out.println("  certificate: " + selfSigned.certificate() + (selfSigned.created() ? " (created now)" : ""));
            out.println("  SHA-256 fingerprint: " + selfSigned.sha256Fingerprint());
            out.println("  try: " + url.curl(selfSigned.certificate().toString()));
            out.println("   or: curl -k --pinnedpubkey '" + selfSigned.publicKeyPin() + "' " + url.url());
        }
    }

    /** Usage errors of these options, with {@code agent} the {@code --agent} socket or null. */
    void checkUsage(CommandLine cl, Path agent) {
        if ((cert == null) != (key == null)) {
            throw new ParameterException(cl, "--cert and --key go together");
        }
        if (clientAuth != ClientAuth.NONE && clientCa == null) {
            throw new ParameterException(cl, "--client-auth " + clientAuth + " needs --client-ca");
        }
        if (agent != null && (cert != null || clientAuth != ClientAuth.NONE || tls.given() || noTickets
                || backend.policy != BackendPolicy.AUTO)) {
            throw new ParameterException(cl, "--agent: the agent's configuration decides the "
                    + "certificate, versions, suites and client authentication; drop --cert/--key/--tls/--ciphers/"
                    + "--groups/--no-tickets/--client-auth/--backend");
        }
    }

    /**
     * The handshakes of this server: by the agent at {@code agent} when not null, else here with --cert/--key or
     * the embedded default certificate (kept in {@code stateDir}).
     *
     * @param alpn the ALPN protocol names to select from a client's list, most preferred first; empty for no ALPN
     */
    Setup setup(CommandLine cl, ServerStats stats, Path agent, Path stateDir, Duration handshakeTimeout,
                List<String> alpn) throws IOException {
        return agent == null ? inProcess(cl, stats, stateDir, handshakeTimeout, alpn)
                : byAgent(stats, agent, handshakeTimeout, alpn);
    }

    private Setup inProcess(CommandLine cl, ServerStats stats, Path stateDir, Duration handshakeTimeout,
                            List<String> alpn) throws IOException {
        SelfSignedCertificate selfSigned = null;
        Path certFile = cert;
        Path keyFile = key;
        if (cert != null) {
            PemFiles.requireCertificate("--cert", cert);
            PemFiles.requirePrivateKey("--key", key);
        } else {
            selfSigned = SelfSignedCertificate.loadOrCreate(stateDir);
            certFile = selfSigned.certificate();
            keyFile = selfSigned.privateKey();
        }
        KtlsContext context = context(cl, certFile, keyFile, handshakeTimeout, alpn);
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
        return new Setup(new TlsTransport(context, stats), status, line, selfSigned, new StatusHeadline.Setup(
                backend.policy.toString(), KernelTls.isAvailable(), KernelTls.availability().reason()));
    }

    /** {@code --agent}: each handshake is run by the handshake agent, which holds the certificate and key. */
    private static Setup byAgent(ServerStats stats, Path agent, Duration handshakeTimeout, List<String> alpn)
            throws IOException {
        AgentClient handshakes = AgentClient.connect(agent);
        String line = "  TLS handshakes by the agent at " + agent + " (" + handshakes.agentVersion() + ", "
                + (handshakes.agentHasKtls() ? "kTLS available" : "no kTLS there") + "); no key in this process";
        AgentTransport transport = new AgentTransport(handshakes, stats, handshakeTimeout, alpn);
        transport.refuseToServeIfEveryHandshakeIsRefused();
        return new Setup(transport, Map.of("handshake_agent", agent.toString()), line, null,
                new StatusHeadline.Setup("agent", handshakes.agentHasKtls(), "the agent reports none"));
    }

    private KtlsContext context(CommandLine cl, Path certFile, Path keyFile, Duration handshakeTimeout,
                                List<String> alpn) throws IOException {
        KtlsContextBuilder b = KtlsContext.forServer(certFile, keyFile);
        try {
            tls.applyTo(b);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
        b.clientAuth(clientAuth).handshakeTimeout(handshakeTimeout);
        if (!alpn.isEmpty()) {
            b.applicationProtocols(alpn.toArray(String[]::new));
        }
        if (noTickets) {
            b.sessionResumption(false);
        }
        if (clientCa != null) {
            PemFiles.requireCertificate("--client-ca", clientCa);
            b.trustManager(clientCa);
        }
        return backend.build(b);
    }
}
