package io.ktls4j;

/**
 * The running kernel lacks a kTLS feature. Names the feature and the first Linux version that has it, e.g.
 * "TLS 1.3 rekey (TLS_TX on an installed socket) needs Linux 6.14".
 */
public final class KernelFeatureException extends KtlsException {
    private static final long serialVersionUID = 1L;

    private final String feature;
    private final String sinceVersion;
    /** The running kernel's release when it is recent enough but lacks the feature; {@code null} otherwise. */
    private final String release;

    public KernelFeatureException(Errno errno, String feature, String sinceVersion, String detail) {
        this(errno, feature, sinceVersion, null, detail);
    }

    private KernelFeatureException(Errno errno, String feature, String sinceVersion, String release, String detail) {
        super(errno, message(feature, sinceVersion, release, detail));
        this.feature = feature;
        this.sinceVersion = sinceVersion;
        this.release = release;
    }

    private static String message(String feature, String sinceVersion, String release, String detail) {
        String why = detail == null || detail.isEmpty() ? "" : ": " + detail;
        return release == null
                ? feature + " is not supported by this kernel (it needs Linux " + sinceVersion + " or later)" + why
                : feature + " is not available in this kernel (Linux " + release + "; mainline has it since "
                        + sinceVersion + ")" + why;
    }

    /**
     * The running kernel ({@code release}) is recent enough for the feature but does not offer it: left out of the
     * build, a module not loaded, or refused. The message says so instead of naming a version to upgrade to.
     */
    public static KernelFeatureException notAvailable(Errno errno, String feature, String sinceVersion, String release,
            String detail) {
        return new KernelFeatureException(errno, feature, sinceVersion, release, detail);
    }

    /**
     * The same finding with another detail (what it means to the caller), this exception as its cause: a kernel
     * that lacks a feature it is new enough for is still not told to upgrade.
     */
    public KernelFeatureException withDetail(String newDetail) {
        KernelFeatureException e = new KernelFeatureException(errno(), feature, sinceVersion, release, newDetail);
        e.initCause(this);
        return e;
    }

    public String feature() {
        return feature;
    }

    /** The first mainline Linux version with the feature, e.g. "6.14". */
    public String sinceVersion() {
        return sinceVersion;
    }
}
