package io.ktls4j;

/**
 * The running kernel lacks a kTLS feature. Names the feature and the first Linux version that has it, e.g.
 * "TLS 1.3 rekey (TLS_TX on an installed socket) needs Linux 6.14".
 */
public final class KernelFeatureException extends KtlsException {
    private static final long serialVersionUID = 1L;

    private final String feature;
    private final String sinceVersion;

    public KernelFeatureException(Errno errno, String feature, String sinceVersion, String detail) {
        super(errno, feature + " is not supported by this kernel (it needs Linux " + sinceVersion + " or later)"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.feature = feature;
        this.sinceVersion = sinceVersion;
    }

    private KernelFeatureException(Errno errno, String feature, String sinceVersion, String message, Void whole) {
        super(errno, message);
        this.feature = feature;
        this.sinceVersion = sinceVersion;
    }

    /**
     * The running kernel ({@code release}) is recent enough for the feature but does not offer it: left out of the
     * build, a module not loaded, or refused. The message says so instead of naming a version to upgrade to.
     */
    public static KernelFeatureException notAvailable(Errno errno, String feature, String sinceVersion, String release,
            String detail) {
        String why = detail == null || detail.isEmpty() ? "" : ": " + detail;
        return new KernelFeatureException(errno, feature, sinceVersion, feature + " is not available in this kernel "
                + "(Linux " + release + "; mainline has it since " + sinceVersion + ")" + why, null);
    }

    public String feature() {
        return feature;
    }

    /** The first mainline Linux version with the feature, e.g. "6.14". */
    public String sinceVersion() {
        return sinceVersion;
    }
}
