package io.ktls4j.linux;

import io.ktls4j.testkit.LabTags;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.BackendKind;
import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.TlsVersion;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Ktls#attach} on a kernel without the tls module (the lab's second pass boots with {@code tls} blacklisted;
 * this build host has none either): AUTO falls back to software for both directions, says why, counts it, and data
 * flows; KERNEL_REQUIRED fails with the missing feature.
 */
@Tag(LabTags.NO_TLS_MODULE)
class KtlsWithoutTlsModuleTest {
    private final KernelTestSupport t = new KernelTestSupport();

    @BeforeAll
    static void onlyWithoutKtls() {
        if ("1".equals(System.getenv("KTLS4J_IN_LAB")) && "0".equals(System.getenv("KTLS4J_LAB_TLS_MODULE"))) {
            assertThat(KernelTls.isAvailable()).as("the lab blacklisted the tls module").isFalse();
        }
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS; these tests are for kernels without");
    }

    @AfterEach
    void close() throws Exception {
        t.close();
    }

    @Test
    void autoFallsBackToSoftwareForBothDirectionsAndDataFlows() throws Exception {
        FallbackStatistics.Snapshot before = FallbackStatistics.snapshot();
        SocketChannel[] p = t.pair();
        FallbackKtlsSocket a = t.later(Ktls.attach(p[0], BackendPolicy.AUTO));
        FallbackKtlsSocket b = t.later(Ktls.attach(p[1], BackendPolicy.AUTO));
        for (Direction d : Direction.values()) {
            FallbackDecision decision = a.decision(d).orElseThrow();
            assertThat(decision.backend()).isEqualTo(BackendKind.SOFTWARE);
            assertThat(decision.fellBack()).isTrue();
            assertThat(decision.reason()).contains("ENOENT").contains("TCP_ULP");
        }
        CryptoInfo ab = KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 1, 0);
        CryptoInfo ba = KernelTestSupport.keys(TlsVersion.TLS_1_2, CipherType.CHACHA20_POLY1305, 2, 0);
        a.install(Direction.TX, ab);
        b.install(Direction.RX, ab);
        b.install(Direction.TX, ba);
        a.install(Direction.RX, ba);
        assertThat(a.backend(Direction.TX)).isEqualTo(BackendKind.SOFTWARE);
        assertThat(a.cryptoInfo(Direction.TX).orElseThrow().sameAs(ab)).isTrue();

        byte[] x = KernelTestSupport.random(40_000, 5);
        byte[] y = KernelTestSupport.random(30_000, 6);
        CompletableFuture<Void> w = CompletableFuture.runAsync(() -> {
            try {
                a.send(ByteBuffer.wrap(x));
                b.send(ByteBuffer.wrap(y));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(KernelTestSupport.readFully(b, x.length)).isEqualTo(x);
        assertThat(KernelTestSupport.readFully(a, y.length)).isEqualTo(y);
        w.get(60, TimeUnit.SECONDS);

        FallbackStatistics.Snapshot after = FallbackStatistics.snapshot();
        assertThat(after.fallbackTx()).isEqualTo(before.fallbackTx() + 2);
        assertThat(after.fallbackRx()).isEqualTo(before.fallbackRx() + 2);
        assertThat(after.fallbackReasons().get("no kTLS")).isGreaterThanOrEqualTo(4);
    }

    @Test
    void kernelRequiredFailsClearly() throws Exception {
        SocketChannel[] p = t.pair();
        assertThatThrownBy(() -> Ktls.attach(p[0], BackendPolicy.KERNEL_REQUIRED))
                .isInstanceOf(KernelFeatureException.class)
                .hasMessageContaining("kTLS (the tls ULP)").hasMessageContaining("TCP_ULP")
                .satisfies(e -> assertThat(((KernelFeatureException) e).errno()).isEqualTo(Errno.ENOENT));
        // nothing was attached: the software backend can still take the channel
        t.later(Ktls.attach(p[0], BackendPolicy.SOFTWARE));
    }
}
