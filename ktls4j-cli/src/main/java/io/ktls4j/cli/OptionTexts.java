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
            {"ktls.probe.json", "Print the probes as JSON."},
            {"ktls.stat.json", "Print the counters as JSON."},
        };
    }
}
