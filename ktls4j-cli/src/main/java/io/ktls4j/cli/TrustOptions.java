package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --cacert} and {@code -k}: which server certificates a client trusts (default: the system trust store). */
final class TrustOptions {
    @Option(names = "--cacert", paramLabel = "PEM",
            description = "Trust the certificates in this PEM file (e.g. the one 'ktls serve' printed) instead of "
                    + "the system trust store.")
    Path cacert;

    @Option(names = {"-k", "--insecure"},
            description = "INSECURE: accept any server certificate and name. For throw-away test servers only.")
    boolean insecure;

    void applyTo(KtlsContextBuilder b) throws IOException {
        if (insecure) {
            b.insecureTrustAllForTestingOnly();
        } else if (cacert != null) {
            PemFiles.requireCertificate("--cacert", cacert);
            b.trustManager(cacert);
        }
    }
}
