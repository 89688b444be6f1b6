package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
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
        return context(null);
    }

    /** @param alsoTrusted a PEM certificate trusted beside the system store unless --cacert or -k is given */
    KtlsContext context(Path alsoTrusted) throws IOException {
        KtlsContextBuilder b = KtlsContext.forClient();
        tls.applyTo(b);
        trust.applyTo(b, alsoTrusted);
        return backend.build(b);
    }
}
