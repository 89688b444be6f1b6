package io.ktls4j.linux;

import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsException;

/**
 * The result of probing the running kernel for one feature: whether it works, and if not, why (the call and the
 * errno the kernel answered) and which kernel version has it.
 *
 * @param name what was probed, e.g. "TLSv1.3 CHACHA20_POLY1305" or "TLS 1.3 rekey"
 * @param feature the kernel feature that decides it, or {@code null} when no kernel version has it (e.g. a cipher
 *     the kernel accepts only with the other TLS version)
 * @param supported whether the probe succeeded
 * @param errno the errno of the failing call, or {@code null}
 * @param reason one line: what was done and what the kernel answered
 */
public record FeatureProbe(String name, KernelFeature feature, boolean supported, Errno errno, String reason) {

    static FeatureProbe yes(String name, KernelFeature feature, String how) {
        return new FeatureProbe(name, feature, true, null, how);
    }

    static FeatureProbe no(String name, KernelFeature feature, Errno errno, String reason) {
        return new FeatureProbe(name, feature, false, errno, reason);
    }

    /** The exception to throw when the feature is needed: a {@link KernelFeatureException} when a version has it. */
    public KtlsException exception() {
        Errno e = errno == null ? Errno.EOPNOTSUPP : errno;
        return feature == null ? new KtlsException(e, name + " is not supported by this kernel: " + reason)
                : feature.unsupported(e, reason);
    }

    @Override
    public String toString() {
        return name + ": " + (supported ? "yes" : "no") + " (" + reason
                + (supported || feature == null || !feature.isNewerThanRunningKernel() ? ""
                : "; needs Linux " + feature.sinceVersion()) + ")";
    }
}
