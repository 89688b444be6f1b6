package io.ktls4j.linux;

import io.ktls4j.CipherType;
import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.TlsVersion;
import io.ktls4j.linux.internal.KernelBuild;

/**
 * The kTLS features the kernel backend probes for, each with the first mainline Linux version that has it.
 *
 * <p>Where the versions come from: the history of {@code include/uapi/linux/tls.h} (the commit that added each
 * constant, mapped to the merge window it landed in) and, for rekey and {@code TLS_TX_MAX_PAYLOAD_LEN}, the date the
 * series was merged into net-next. Versions marked {@link #approximate()} were not confirmed against a tagged tree;
 * the runtime probes in {@link KernelTls} are what the backend actually relies on.
 */
public enum KernelFeature {
    /** {@code setsockopt(TCP_ULP, "tls")} and {@code TLS_TX}: "tls: kernel TLS support", June 2017. */
    ULP("kTLS (the tls ULP)", "4.13", false),
    /** {@code TLS_RX}: "tls: RX path for ktls", March 2018. */
    RX("TLS_RX (kernel decryption)", "4.17", false),
    /** {@code TLS_1_3_VERSION}: "net: tls: Add tls 1.3 support", February 2019. */
    TLS_1_3("TLS 1.3", "5.1", false),
    /** {@code TLS_CIPHER_AES_GCM_256}: "net: tls: Support 256 bit keys", February 2019. */
    AES_GCM_256("AES-GCM-256", "5.1", false),
    /** {@code TLS_CIPHER_AES_CCM_128}: "net/tls: Add support of AES128-CCM based ciphers", March 2019. */
    AES_CCM_128("AES-CCM-128", "5.2", false),
    /** {@code INET_DIAG_ULP_INFO} with {@code TLS_INFO_TXCONF/RXCONF}: August 2019. */
    SOCK_DIAG("sock_diag TLS info (INET_DIAG_ULP_INFO)", "5.4", true),
    /** {@code TLS_CIPHER_CHACHA20_POLY1305}: November 2020. */
    CHACHA20_POLY1305("ChaCha20-Poly1305", "5.11", false),
    /** {@code TLS_CIPHER_SM4_GCM} and {@code TLS_CIPHER_SM4_CCM}: September 2021. */
    SM4("SM4-GCM and SM4-CCM", "5.16", false),
    /** {@code TLS_TX_ZEROCOPY_RO}: "tls: Add opt-in zerocopy mode of sendfile()", May 2022. */
    TX_ZEROCOPY_RO("TLS_TX_ZEROCOPY_RO", "5.19", false),
    /** {@code TLS_RX_EXPECT_NO_PAD}: July 2022. */
    RX_EXPECT_NO_PAD("TLS_RX_EXPECT_NO_PAD", "6.0", false),
    /** {@code TLS_CIPHER_ARIA_GCM_128/256}: "net: tls: Add ARIA-GCM algorithm", September 2022. */
    ARIA("ARIA-GCM", "6.1", false),
    /** A second {@code TLS_TX}/{@code TLS_RX} on a TLS 1.3 socket (KeyUpdate): "tls: implement rekey for TLS1.3". */
    REKEY("TLS 1.3 rekey", "6.14", true),
    /** {@code TLS_TX_MAX_PAYLOAD_LEN} (RFC 8449 record_size_limit): net-next, October/November 2025. */
    TX_MAX_PAYLOAD_LEN("TLS_TX_MAX_PAYLOAD_LEN", "6.19", true);

    private final String title;
    private final String since;
    private final boolean approximate;

    KernelFeature(String title, String since, boolean approximate) {
        this.title = title;
        this.since = since;
        this.approximate = approximate;
    }

    /** The feature's name in messages, e.g. "TLS 1.3 rekey". */
    public String title() {
        return title;
    }

    /** The first mainline Linux version with the feature, e.g. "6.14". */
    public String sinceVersion() {
        return since;
    }

    /** True when {@link #sinceVersion()} is inferred from a merge date rather than read from a release tree. */
    public boolean approximate() {
        return approximate;
    }

    /** Whether the running kernel is older than {@link #sinceVersion()}: only then is "needs Linux X" the reason. */
    public boolean isNewerThanRunningKernel() {
        return !KernelBuild.atLeast(KernelBuild.runningRelease(), since);
    }

    /**
     * The exception that says the running kernel lacks this feature, with the errno it answered: "needs Linux X or
     * later" only when the running kernel is older than X.
     */
    public KernelFeatureException unsupported(Errno errno, String detail) {
        String release = KernelBuild.runningRelease();
        return isNewerThanRunningKernel()
                ? new KernelFeatureException(errno, title, since, detail + "; this is Linux " + release)
                : KernelFeatureException.notAvailable(errno, title, since, release, detail);
    }

    /** The feature a cipher needs in the kernel. */
    public static KernelFeature of(CipherType cipher) {
        return switch (cipher) {
            case AES_GCM_128 -> ULP;
            case AES_GCM_256 -> AES_GCM_256;
            case AES_CCM_128 -> AES_CCM_128;
            case CHACHA20_POLY1305 -> CHACHA20_POLY1305;
            case SM4_GCM, SM4_CCM -> SM4;
            case ARIA_GCM_128, ARIA_GCM_256 -> ARIA;
        };
    }

    /** The feature a version needs in the kernel. */
    public static KernelFeature of(TlsVersion version) {
        return version == TlsVersion.TLS_1_3 ? TLS_1_3 : ULP;
    }

    @Override
    public String toString() {
        return title + " (Linux " + (approximate ? "~" : "") + since + ")";
    }
}
