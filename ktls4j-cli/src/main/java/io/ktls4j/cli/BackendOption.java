package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.handshake.TlsCipherSuite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --backend auto|kernel|software}: the record layer of a context's connections ({@link BackendPolicy}). */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "auto|kernel|software", defaultValue = "auto",
            description = "Record layer after the handshake (default: ${DEFAULT-VALUE}).")
    BackendPolicy policy;

    /**
     * Builds the context on this backend; for {@code kernel} with only the suites the kernel can carry.
     *
     * @throws KernelRequiredException (exit code 3) for {@code kernel} when kTLS is unavailable or can carry none of
     *     the context's suites
     */
    KtlsContext build(KtlsContextBuilder b) throws IOException {
        if (policy == BackendPolicy.KERNEL) {
            b.cipherSuites(kernelSuites(b.build()).toArray(TlsCipherSuite[]::new));
        }
        return b.backend(policy.backend()).build();
    }

    private static List<TlsCipherSuite> kernelSuites(KtlsContext context) throws KernelRequiredException {
        List<TlsCipherSuite> ok = new ArrayList<>();
        KernelRequiredException last = null;
        for (TlsCipherSuite s : context.cipherSuites()) {
            try {
                BackendPolicy.requireKernel(s.version(), s.cipher());
                ok.add(s);
            } catch (KernelRequiredException e) {
                last = e;
            }
        }
        if (ok.isEmpty()) {
            throw last;
        }
        return ok;
    }
}
