package io.ktls4j.linux;

import io.ktls4j.testkit.LabTags;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;
import io.ktls4j.CipherType;
import io.ktls4j.linux.internal.LoopbackPair;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A kernel without the tls module (this build host, and the lab's second pass with {@code tls} blacklisted): the
 * real {@code setsockopt(TCP_ULP, "tls")} answers ENOENT, and every entry point says so with the feature and why
 * (the kernel's build, its modules, or its version).
 */
@Tag(LabTags.NO_TLS_MODULE)
class HostWithoutKtlsTest {

    @BeforeAll
    static void onlyWithoutKtls() {
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS; these tests are for kernels without");
    }

    @Test
    void attachIsEnoentAsKernelFeatureException() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            assertThatThrownBy(() -> new KernelBackend().attach(p.client))
                    .isInstanceOf(KernelFeatureException.class)
                    .hasMessageContaining("TCP_ULP")
                    .satisfies(e -> {
                        KernelFeatureException f = (KernelFeatureException) e;
                        assertThat(f.errno()).isEqualTo(Errno.ENOENT);
                        assertThat(f.sinceVersion()).isEqualTo("4.13");
                    });
            // The channel is untouched and still carries plain TCP.
            assertThat(p.client.write(java.nio.ByteBuffer.wrap(new byte[] {1}))).isEqualTo(1);
        }
    }

    @Test
    void availabilityExplainsWhy() {
        assertThat(KernelTls.unavailabilityCause()).isInstanceOf(KernelFeatureException.class)
                .hasMessageContaining("ENOENT");
        assertThatThrownBy(KernelTls::ensureAvailability).isInstanceOf(KernelFeatureException.class);
        if (!KernelFeature.ULP.isNewerThanRunningKernel()) {
            // the kernel has the version: what it lacks is the build option or the module, and the message says so
            assertThat(KernelTls.unavailabilityCause()).hasMessageNotContaining("needs Linux")
                    .hasMessageContaining("not available in this kernel");
        }
        assertThat(KernelTls.availability().supported()).isFalse();
    }

    @Test
    void everyProbeIsNoWithTheReason() {
        FeatureProbe p = KernelTls.probe(TlsVersion.TLS_1_3, CipherType.CHACHA20_POLY1305);
        assertThat(p.supported()).isFalse();
        assertThat(p.reason()).contains("ENOENT");
        assertThat(KernelTls.supportsRekey()).isFalse();
        assertThat(KernelTls.supportsTxMaxPayloadLen()).isFalse();
        assertThat(KernelTls.supportsRxExpectNoPad()).isFalse();
        assertThat(KernelTls.describe()).contains("kTLS (the tls ULP): no");
    }

    @Test
    void statisticsSayThereIsNoKtls() {
        Assumptions.assumeFalse(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/net/tls_stat")),
                "the tls module is loaded (its statistics exist) even though the ULP probe failed");
        assertThatThrownBy(KernelTls::statistics).isInstanceOf(KtlsException.class)
                .hasMessageContaining("this kernel has no kTLS (/proc/net/tls_stat missing");
    }
}
