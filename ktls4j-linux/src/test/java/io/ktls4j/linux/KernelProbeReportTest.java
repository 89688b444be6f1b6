package io.ktls4j.linux;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.CipherType;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The probes on a kTLS kernel: prints the report (the lab's record of what its kernel can do) and checks its basis. */
@Tag(LabTags.KERNEL)
@ExtendWith(KernelRequired.class)
class KernelProbeReportTest {

    @Test
    void theReportCoversEveryProbeAndTheBaselineWorks() {
        String report = KernelTls.describe();
        System.out.println(report);
        assertThat(KernelTls.report()).hasSize(1 + 2 * CipherType.values().length + 4);
        // TLS 1.2 AES-GCM-128 is what kTLS shipped with in 4.13: any kernel with the ULP has it.
        assertThat(KernelTls.supports(TlsVersion.TLS_1_2, CipherType.AES_GCM_128)).isTrue();
        assertThat(KernelTls.unavailabilityCause()).isNull();
    }

    @Test
    void everyNoNamesTheKernelAnswer() {
        for (FeatureProbe p : KernelTls.report()) {
            if (!p.supported()) {
                assertThat(p.reason()).as(p.name()).containsPattern("E[A-Z]+");
                assertThat(p.exception().getMessage()).as(p.name()).isNotBlank();
            }
        }
    }

    /**
     * The lab's newer-kernel pass sets KTLS4J_REQUIRE_REKEY=1: there the rekey cases of the conformance suite must
     * run rather than skip, so the probes must say yes. Elsewhere a "no" must name the version that has it.
     */
    @Test
    void rekeyAndMaxPayloadLenAreThereWhereRequiredAndNamedWhereNot() {
        FeatureProbe rekey = KernelTls.rekeyProbe();
        FeatureProbe maxPayload = KernelTls.txMaxPayloadLenProbe();
        if ("1".equals(System.getenv("KTLS4J_REQUIRE_REKEY"))) {
            assertThat(rekey.supported()).as(rekey.toString()).isTrue();
            assertThat(maxPayload.supported()).as(maxPayload.toString()).isTrue();
        }
        if (!rekey.supported()) {
            assertThat(rekey.exception().getMessage()).contains("6.14");
        }
        if (!maxPayload.supported()) {
            assertThat(maxPayload.exception().getMessage()).contains("6.19");
        }
    }

    @Test
    void statisticsComeFromProcNetTlsStat() throws Exception {
        var stats = KernelTls.statistics();
        assertThat(stats.source()).isEqualTo("/proc/net/tls_stat");
        assertThat(stats.has(TlsStat.TlsTxSw)).isTrue();
        assertThat(stats.get(TlsStat.TlsTxSw)).isPositive(); // the probes above opened TX sessions
    }
}
