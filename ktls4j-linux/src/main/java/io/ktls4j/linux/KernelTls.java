package io.ktls4j.linux;

import io.ktls4j.CipherType;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsStatistics;
import io.ktls4j.TlsVersion;
import io.ktls4j.linux.internal.KernelBuild;
import io.ktls4j.linux.internal.TlsStatFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the running kernel's TLS can do, probed once per process and cached (like Netty's {@code Epoll}):
 * {@link #isAvailable()}, {@link #unavailabilityCause()}, {@link #ensureAvailability()}, and one probe per feature.
 * Every probe runs the real calls on a loopback pair with all-zero keys, and every "no" carries the call, the
 * kernel's answer and the first Linux version with the feature ({@link FeatureProbe}).
 *
 * <p>Thread-safe. Probes run lazily on first use; each costs one loopback connection.
 */
public final class KernelTls {
    private static final FeatureProbe ULP = KernelProbes.ulp();
    private static final Map<String, KernelProbes.Raw> RAW = new HashMap<>();
    private static final Map<String, FeatureProbe> PROBES = new HashMap<>();

    private KernelTls() {
    }

    /** True when {@code setsockopt(TCP_ULP, "tls")} works here. */
    public static boolean isAvailable() {
        return ULP.supported();
    }

    /** Why kTLS is unavailable (the probe's exception), or {@code null} when it is available. */
    public static KtlsException unavailabilityCause() {
        return ULP.supported() ? null : ULP.exception();
    }

    /** Throws the {@link #unavailabilityCause()} when kTLS is unavailable. */
    public static void ensureAvailability() throws KtlsException {
        if (!ULP.supported()) {
            throw ULP.exception();
        }
    }

    /** The availability probe itself. */
    public static FeatureProbe availability() {
        return ULP;
    }

    /** The running kernel's release ({@code /proc/sys/kernel/osrelease}), e.g. "6.1.0-27-amd64". */
    public static String kernelRelease() {
        return KernelBuild.runningRelease();
    }

    /** True when the kernel takes {@code version} with {@code cipher} for both TLS_TX and TLS_RX. */
    public static boolean supports(TlsVersion version, CipherType cipher) {
        return probe(version, cipher).supported();
    }

    /** The probe for one version and cipher: TX and RX installed with zero keys, then one record through. */
    public static synchronized FeatureProbe probe(TlsVersion version, CipherType cipher) {
        return PROBES.computeIfAbsent(version + " " + cipher, name -> classify(version, cipher, name));
    }

    private static FeatureProbe classify(TlsVersion v, CipherType c, String name) {
        if (!ULP.supported()) {
            return FeatureProbe.no(name, ULP.feature(), ULP.errno(), ULP.reason());
        }
        KernelProbes.Raw raw = raw(v, c);
        if (raw.ok()) {
            return FeatureProbe.yes(name, KernelFeature.of(c), "TLS_TX, TLS_RX and " + raw.call() + " succeeded");
        }
        TlsVersion other = v == TlsVersion.TLS_1_3 ? TlsVersion.TLS_1_2 : TlsVersion.TLS_1_3;
        KernelFeature feature;
        String why = raw.answer();
        KernelProbes.Raw otherVersion = raw(other, c);
        if (v == TlsVersion.TLS_1_3 && !raw(v, CipherType.AES_GCM_128).ok()) {
            feature = KernelFeature.TLS_1_3;
        } else if (raw.errno() == 2) {
            // ENOENT comes from crypto_alloc_aead: tls knows the cipher, the crypto API lacks the algorithm.
            feature = null;
            why += ": the kernel knows " + c + " but its crypto API has no " + c.keyAlgorithm()
                    + " AEAD (not built, e.g. CONFIG_CRYPTO_" + c.keyAlgorithm().toUpperCase(java.util.Locale.ROOT)
                    + " unset, or its module cannot be loaded)";
        } else if (raw.errno() == 22 && (otherVersion.ok() || otherVersion.errno() == 2)) {
            feature = null; // tls recognised the cipher with the other version: it is refused with this one
            why += ": the kernel takes " + c + " with " + other + " only";
        } else {
            feature = KernelFeature.of(c);
            if (!feature.isNewerThanRunningKernel()) {
                // the version has it, so the refusal is this kernel's build, not its age
                why += ": this kernel refused " + c + " (mainline has it since " + feature.sinceVersion() + ")";
            }
        }
        return FeatureProbe.no(name, feature, KernelProbes.errnoOf(raw.errno()), why);
    }

    private static KernelProbes.Raw raw(TlsVersion v, CipherType c) {
        return RAW.computeIfAbsent(v + " " + c, k -> KernelProbes.cipher(v, c));
    }

    /** {@code TLS_RX_EXPECT_NO_PAD} (Linux 6.0). */
    public static boolean supportsRxExpectNoPad() {
        return rxExpectNoPadProbe().supported();
    }

    public static synchronized FeatureProbe rxExpectNoPadProbe() {
        return cached(KernelFeature.RX_EXPECT_NO_PAD.title(), KernelProbes::rxExpectNoPad);
    }

    /** {@code TLS_TX_MAX_PAYLOAD_LEN} (Linux 6.19). */
    public static boolean supportsTxMaxPayloadLen() {
        return txMaxPayloadLenProbe().supported();
    }

    public static synchronized FeatureProbe txMaxPayloadLenProbe() {
        return cached(KernelFeature.TX_MAX_PAYLOAD_LEN.title(), KernelProbes::txMaxPayloadLen);
    }

    /** TLS 1.3 rekey, a second {@code TLS_TX} on an installed socket (Linux 6.14). */
    public static boolean supportsRekey() {
        return rekeyProbe().supported();
    }

    public static synchronized FeatureProbe rekeyProbe() {
        return cached(KernelFeature.REKEY.title(), KernelProbes::rekey);
    }

    /** Whether sock_diag reports each direction's {@code TLS_CONF_*} to this process (needs CAP_NET_ADMIN). */
    public static synchronized FeatureProbe sockDiagProbe() {
        return cached(KernelFeature.SOCK_DIAG.title(), KernelProbes::sockDiag);
    }

    private static FeatureProbe cached(String key, java.util.function.Supplier<FeatureProbe> probe) {
        if (!ULP.supported()) {
            return PROBES.computeIfAbsent(key, k -> FeatureProbe.no(k, ULP.feature(), ULP.errno(),
                    "no kTLS: " + ULP.reason()));
        }
        return PROBES.computeIfAbsent(key, k -> probe.get());
    }

    /** The kernel's counters from {@code /proc/net/tls_stat} (source "/proc/net/tls_stat"). */
    public static TlsStatistics statistics() throws IOException {
        return TlsStatFile.read();
    }

    /** Every probe, in a fixed order: availability, each version × cipher, then the options. */
    public static List<FeatureProbe> report() {
        List<FeatureProbe> all = new ArrayList<>();
        all.add(ULP);
        for (TlsVersion v : TlsVersion.values()) {
            for (CipherType c : CipherType.values()) {
                all.add(probe(v, c));
            }
        }
        all.add(rxExpectNoPadProbe());
        all.add(txMaxPayloadLenProbe());
        all.add(rekeyProbe());
        all.add(sockDiagProbe());
        return all;
    }

    /** The report as text, one probe per line, headed by the kernel release. */
    public static String describe() {
        StringBuilder sb = new StringBuilder("kTLS probes on Linux ").append(kernelRelease()).append('\n');
        for (FeatureProbe p : report()) {
            sb.append("  ").append(p).append('\n');
        }
        return sb.toString();
    }
}
