package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.handshake.TlsCipherSuite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The TLS client options shared by get, stat --url and bench. */
final class ClientOptions {
    @Option(names = "--cacert", paramLabel = "PEM",
            description = "Trust the certificates in this PEM file (e.g. the one 'ktls serve' printed) instead of "
                    + "the system trust store.")
    Path cacert;

    @Option(names = {"-k", "--insecure"},
            description = "INSECURE: accept any server certificate and name. For throw-away test servers only.")
    boolean insecure;

    @Option(names = "--backend", paramLabel = "auto|kernel|software", defaultValue = "auto",
            description = "Record layer after the handshake (default: ${DEFAULT-VALUE}).")
    BackendPolicy backend;

    @Option(names = "--tls", paramLabel = "1.2|1.3", split = ",",
            description = "TLS versions to offer (default: 1.3 and 1.2).")
    List<String> tls;

    @Option(names = "--ciphers", paramLabel = "SUITE", split = ",",
            description = "Cipher suites to offer, IANA names, comma-separated (default: all kTLS-capable).")
    List<String> ciphers;

    KtlsContext context() throws IOException {
        KtlsContextBuilder b = KtlsContext.forClient();
        TlsOptions.apply(b, tls, ciphers);
        if (insecure) {
            b.insecureTrustAllForTestingOnly();
        } else if (cacert != null) {
            b.trustManager(cacert);
        }
        if (backend == BackendPolicy.KERNEL) {
            b.cipherSuites(TlsOptions.kernelSuites(b.build()).toArray(TlsCipherSuite[]::new));
        }
        return b.backend(backend.backend()).build();
    }
}
