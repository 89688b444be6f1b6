package io.ktls4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --agent SOCKET} of a server command: the handshake agent runs the handshakes, the key stays there. */
final class AgentOption {
    @Option(names = "--agent", paramLabel = "SOCKET",
            description = "Let the handshake agent listening on SOCKET ('ktls agent') run the TLS handshakes: the "
                    + "certificate and key stay in the agent, this process only gets kernel-TLS sockets.")
    Path socket;
}
