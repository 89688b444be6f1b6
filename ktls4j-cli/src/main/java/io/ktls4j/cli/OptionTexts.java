package io.ktls4j.cli;

import java.util.ListResourceBundle;

/**
 * The help texts of shared options that a command words its own way; picocli looks an option's description up as
 * {@code COMMAND.OPTION} (the command's qualified name, the option's name without dashes) before taking the one on
 * its {@code @Option}. Set on the command line by {@link Main}.
 */
final class OptionTexts extends ListResourceBundle {
    @Override
    protected Object[][] getContents() {
        return new Object[][] {
            // a server accepts the versions and suites that a client offers
            {"ktls.serve.backend", "Record layer after the handshake: auto (kernel where it can, else software), "
                    + "kernel (exit 3 without kTLS), software (default: ${DEFAULT-VALUE})."},
            {"ktls.serve.tls", "TLS versions (default: 1.3,1.2)."},
            {"ktls.serve.ciphers", "Cipher suites, IANA names, comma-separated (default: every kTLS-capable suite)."},
            {"ktls.proxy.backend", "Record layer after the handshake: auto (kernel where it can, else software), "
                    + "kernel (exit 3 without kTLS), software (default: ${DEFAULT-VALUE})."},
            {"ktls.proxy.max-connections", "Connections held at once, per --listen (default: ${DEFAULT-VALUE}). At "
                    + "the limit the connection that has waited longest in its handshake is closed to make room; when "
                    + "all are relaying, a newcomer is refused."},
            {"ktls.proxy.max-connections-per-ip", "Connections held at once from one client IP address, per --listen; "
                    + "more are closed at once, before any handshake (default: ${DEFAULT-VALUE})."},
            {"ktls.proxy.cacert", "With --to-tls: trust the backend certificates in this PEM file instead of the "
                    + "system trust store."},
            {"ktls.proxy.insecure", "With --to-tls, INSECURE: accept any backend certificate and name. For "
                    + "throw-away test backends only."},
            {"ktls.proxy.tls", "TLS versions (default: 1.3,1.2)."},
            {"ktls.proxy.ciphers", "Cipher suites, IANA names, comma-separated (default: every kTLS-capable suite)."},
            {"ktls.probe.json", "Print the probes as JSON."},
            {"ktls.stat.json", "Print the counters as JSON."},
        };
    }
}
