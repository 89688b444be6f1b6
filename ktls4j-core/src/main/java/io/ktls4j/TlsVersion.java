package io.ktls4j;

/** The TLS versions the kernel record layer speaks ({@code TLS_1_2_VERSION}, {@code TLS_1_3_VERSION}). */
public enum TlsVersion {
    TLS_1_2(0x0303),
    TLS_1_3(0x0304);

    private final int code;

    TlsVersion(int code) {
        this.code = code;
    }

    /** The 16-bit wire and uapi value (0x0303, 0x0304). */
    public int code() {
        return code;
    }

    /**
     * Returns the version for a uapi value.
     *
     * @throws KtlsException with {@link Errno#EINVAL} for any other value, as the kernel answers
     */
    public static TlsVersion of(int code) throws KtlsException {
        for (TlsVersion v : values()) {
            if (v.code == code) {
                return v;
            }
        }
        throw new KtlsException(Errno.EINVAL, String.format("unknown TLS version 0x%04x (the kernel knows 0x0303 and 0x0304)", code));
    }

    @Override
    public String toString() {
        return this == TLS_1_2 ? "TLSv1.2" : "TLSv1.3";
    }
}
