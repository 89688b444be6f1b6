package io.ktls4j.cli;

import io.ktls4j.agent.daemon.AgentDaemon;
import io.ktls4j.agent.daemon.AgentLog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ktls agent --socket PATH}: the handshake agent (docs/AGENT.md). Without {@code --config} it serves the
 * self-signed localhost certificate of {@code ktls serve}, made by the same generator in the same state directory.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs TLS handshakes for other processes: they pass connected TCP sockets over the Unix socket "
                + "PATH; the agent holds the certificates and keys, installs the session keys in the kernel (TLS_TX, "
                + "TLS_RX) and passes the sockets back (protocol and configuration: docs/AGENT.md).",
            "Without --config it serves one credential, \"default\": the self-signed localhost certificate of "
                + "'ktls serve' (same state directory), usable by this uid only. SIGHUP reloads --config.",
            "Try: ktls agent --socket /tmp/ktls-agent.sock & ktls serve --agent /tmp/ktls-agent.sock"},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "1:runtime failure (cannot bind the socket, bad configuration)",
            "2:usage error",
            "143:stopped by SIGTERM (130: SIGINT), after the agent stopped cleanly"})
final class AgentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--socket", required = true, paramLabel = "PATH",
            description = "Unix socket to listen on: mode 0600, or 0660 with --socket-group.")
    Path socket;

    @Option(names = "--config", paramLabel = "FILE", description = "Credentials, allow lists and policy (docs/AGENT.md).")
    Path config;

    @Option(names = "--socket-group", paramLabel = "GROUP", description = "Make the socket 0660 and owned by GROUP.")
    String socketGroup;

    @Mixin
    StateDir stateDir;

    @Option(names = "--watch", description = "Also reload --config when the file changes (polled every 2 s).")
    boolean watch;

    @Option(names = "--keylog", paramLabel = "FILE", description = "Write every session's secrets to FILE (NSS key "
            + "log, for Wireshark). An inherited SSLKEYLOGFILE is ignored: the agent exists to keep keys in.")
    Path keyLog;

    @Override
    public Integer call() throws Exception {
        if (watch && config == null) {
            throw new ParameterException(spec.commandLine(), "--watch needs --config");
        }
        Path state = stateDir.path();
        if (config == null) {
            SelfSignedCertificate.loadOrCreate(state); // the agent's default credential is these files
        }
        AgentDaemon daemon = AgentDaemon.start(socket, AgentDaemon.Options.defaults()
                .config(config).stateDir(state).socketGroup(socketGroup).reloadOnSighup(true).watchConfig(watch).keyLog(keyLog)
                .log(AgentLog.to(System.err)));
        PrintWriter out = spec.commandLine().getOut();
        out.println("ktls agent: listening on " + daemon.socketPath() + " (" + daemon.config() + ")");
        out.println("  try: ktls serve --agent " + daemon.socketPath());
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                daemon.close();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }, "ktls-agent-stop"));
        daemon.awaitStop();
        return ExitCodes.OK;
    }
}
