package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import java.io.IOException;
import picocli.CommandLine.Mixin;

/** The TLS client options shared by get and stat --url: trust, backend, versions and suites. */
final class ClientOptions {
    @Mixin
    TrustOptions trust;

    @Mixin
    BackendOption backend;

    @Mixin
    TlsOptions tls;

    KtlsContext context() throws IOException {
        KtlsContextBuilder b = KtlsContext.forClient();
        tls.applyTo(b);
        trust.applyTo(b);
        return backend.build(b);
    }
}
