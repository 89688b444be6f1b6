package io.ktls4j.cli;

import io.ktls4j.CipherType;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsBackend;
import io.ktls4j.TlsVersion;
import io.ktls4j.linux.KernelBackend;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.Ktls;
import io.ktls4j.sw.SoftwareBackend;

/**
 * {@code --backend auto|kernel|software}: which record layer carries a connection after the handshake.
 * {@code auto} is {@link Ktls#attach} with {@link io.ktls4j.linux.BackendPolicy#AUTO}: each direction in the kernel
 * when it takes the keys, else on the software record layer, with the reason counted in
 * {@link io.ktls4j.linux.FallbackStatistics}; {@code kernel} refuses to start without kTLS (exit 3).
 */
enum BackendPolicy {
    AUTO, KERNEL, SOFTWARE;

    /** The backend to hand the handshake context. */
    TlsBackend backend() {
        return switch (this) {
            case KERNEL -> new KernelBackend();
            case SOFTWARE -> new SoftwareBackend();
            case AUTO -> Ktls.backend(io.ktls4j.linux.BackendPolicy.AUTO);
        };
    }

    /** For {@code kernel}: fails with exit code 3 unless the kernel can carry {@code version} with {@code cipher}. */
    static void requireKernel(TlsVersion version, CipherType cipher) throws KernelRequiredException {
        if (!KernelTls.isAvailable()) {
            throw new KernelRequiredException("--backend kernel: " + withoutErrno(KernelTls.unavailabilityCause()),
                    KernelTls.unavailabilityCause());
        }
        if (!KernelTls.supports(version, cipher)) {
            var probe = KernelTls.probe(version, cipher);
            throw new KernelRequiredException("--backend kernel: " + probe, probe.exception());
        }
    }

    /** The message without the "ENOENT: " it starts with: the sentence after it names the call and its answer. */
    private static String withoutErrno(KtlsException e) {
        String m = e.getMessage();
        String prefix = e.errno().name() + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
