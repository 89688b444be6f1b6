package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.KtlsContextBuilder;
import io.ktls4j.handshake.TlsCipherSuite;
import java.util.ArrayList;
import java.util.List;

/** {@code --tls} and {@code --ciphers} applied to a context builder, and the {@code --backend kernel} check. */
final class TlsOptions {
    private TlsOptions() {
    }

    /** @throws IllegalArgumentException for an unknown version or suite (a usage error) */
    static void apply(KtlsContextBuilder b, List<String> tls, List<String> ciphers) {
        if (tls != null && !tls.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (String v : tls) {
                names.add(switch (v.strip()) {
                    case "1.3", "TLSv1.3" -> "TLSv1.3";
                    case "1.2", "TLSv1.2" -> "TLSv1.2";
                    default -> throw new IllegalArgumentException("--tls takes 1.2 or 1.3, not " + v);
                });
            }
            b.protocols(names.toArray(String[]::new));
        }
        if (ciphers != null && !ciphers.isEmpty()) {
            b.cipherSuites(ciphers.stream().map(String::strip).toArray(String[]::new));
        }
    }

    /**
     * {@code --backend kernel}: the suites of {@code context} that the kernel can carry.
     *
     * @throws KernelRequiredException (exit code 3) when kTLS is unavailable or can carry none of them
     */
    static List<TlsCipherSuite> kernelSuites(KtlsContext context) throws KernelRequiredException {
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
