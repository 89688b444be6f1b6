package io.ktls4j.linux;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ktls4j.BackendKind;
import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.TlsVersion;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Per-direction fallback on a kTLS kernel: a direction the kernel refuses goes to the software backend while the
 * other stays in the kernel, on the same socket, and data flows both ways (the ULP passes bytes through in the
 * direction it has no key for).
 */
@Tag(LabTags.KERNEL)
@ExtendWith(KernelRequired.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KtlsFallbackTest {
    private final KernelTestSupport t = new KernelTestSupport();

    @AfterEach
    void close() throws Exception {
        t.close();
    }

    /** A TLS 1.2 cipher this kernel refuses (on Debian's 6.1: ARIA or SM4, whose crypto is not built). */
    private static Optional<CipherType> refusedCipher() {
        return Arrays.stream(CipherType.values())
                .filter(c -> !KernelTls.supports(TlsVersion.TLS_1_2, c))
                .findFirst();
    }

    private static void exchange(FallbackKtlsSocket a, FallbackKtlsSocket b, int n) throws Exception {
        byte[] ab = KernelTestSupport.random(n, 1);
        byte[] ba = KernelTestSupport.random(n, 2);
        var w = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                a.send(ByteBuffer.wrap(ab));
                b.send(ByteBuffer.wrap(ba));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(KernelTestSupport.readFully(b, n)).isEqualTo(ab);
        assertThat(KernelTestSupport.readFully(a, n)).isEqualTo(ba);
        w.get(60, TimeUnit.SECONDS);
    }

    @Test
    void kernelTxWithSoftwareRxAndTheReverseOnOneSocket() throws Exception {
        Optional<CipherType> refused = refusedCipher();
        assumeThat(refused).as("this kernel refuses some TLS 1.2 cipher").isPresent();
        SocketChannel[] p = t.pair();
        FallbackKtlsSocket a = t.later(Ktls.attach(p[0], BackendPolicy.AUTO));
        FallbackKtlsSocket b = t.later(Ktls.attach(p[1], BackendPolicy.AUTO));
        CryptoInfo kernelKeys = KernelTestSupport.keys(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 1, 0);
        CryptoInfo softwareKeys = KernelTestSupport.keys(TlsVersion.TLS_1_2, refused.get(), 2, 0);
        FallbackStatistics.Snapshot before = FallbackStatistics.snapshot();
        a.install(Direction.TX, kernelKeys);     // a → b in the kernel on both ends
        b.install(Direction.RX, kernelKeys);
        a.install(Direction.RX, softwareKeys);   // b → a: the kernel refuses the cipher, software on both ends
        b.install(Direction.TX, softwareKeys);

        assertThat(a.decision(Direction.TX)).get().satisfies(d -> assertThat(d.backend()).isEqualTo(BackendKind.KERNEL_SW));
        assertThat(a.decision(Direction.RX)).get().satisfies(d -> {
            assertThat(d.backend()).isEqualTo(BackendKind.SOFTWARE);
            assertThat(d.fellBack()).isTrue();
            assertThat(d.reason()).contains(refused.get().toString());
        });
        assertThat(a.backend(Direction.TX)).isEqualTo(BackendKind.KERNEL_SW);
        assertThat(a.backend(Direction.RX)).isEqualTo(BackendKind.SOFTWARE);
        assertThat(b.backend(Direction.RX)).isEqualTo(BackendKind.KERNEL_SW);
        assertThat(b.backend(Direction.TX)).isEqualTo(BackendKind.SOFTWARE);

        exchange(a, b, 50_000);

        FallbackStatistics.Snapshot after = FallbackStatistics.snapshot();
        assertThat(after.fallbackRx()).isEqualTo(before.fallbackRx() + 1);
        assertThat(after.fallbackTx()).isEqualTo(before.fallbackTx() + 1);
        assertThat(after.kernelTx()).isEqualTo(before.kernelTx() + 1);
        assertThat(after.kernelRx()).isEqualTo(before.kernelRx() + 1);
    }

    @Test
    void autoWithRekeyKeepsTls13InSoftwareWhenTheKernelCannotRekey() throws Exception {
        assumeThat(KernelTls.supportsRekey()).as("this kernel rekeys").isFalse();
        SocketChannel[] p = t.pair();
        FallbackKtlsSocket a = t.later(Ktls.attach(p[0], BackendPolicy.AUTO_WITH_REKEY));
        FallbackKtlsSocket b = t.later(Ktls.attach(p[1], BackendPolicy.AUTO));
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 3, 0);
        CryptoInfo next = KernelTestSupport.keys(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 4, 0);
        a.install(Direction.TX, keys);
        b.install(Direction.RX, keys);
        assertThat(a.decision(Direction.TX)).get().satisfies(d -> {
            assertThat(d.backend()).isEqualTo(BackendKind.SOFTWARE);
            assertThat(d.reason()).contains("TLS 1.3 rekey").contains("EBUSY");
        });
        assertThat(b.decision(Direction.RX)).get().satisfies(d -> assertThat(d.isKernel()).isTrue());
        a.send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(KernelTestSupport.readFully(b, 3)).containsExactly(1, 2, 3);
        a.install(Direction.TX, next); // software rekeys
        // the kernel-owned RX of b cannot: it says why, and how to avoid it
        assertThatThrownBy(() -> b.install(Direction.RX, next)).isInstanceOf(KernelFeatureException.class)
                .hasMessageContaining("AUTO_WITH_REKEY").hasMessageContaining("6.14");
    }

    @Test
    void kernelRequiredFailsWhereAutoFallsBack() throws Exception {
        Optional<CipherType> refused = refusedCipher();
        assumeThat(refused).isPresent();
        SocketChannel[] p = t.pair();
        FallbackKtlsSocket strict = t.later(Ktls.attach(p[0], BackendPolicy.KERNEL_REQUIRED));
        CryptoInfo keys = KernelTestSupport.keys(TlsVersion.TLS_1_2, refused.get(), 1, 0);
        assertThatThrownBy(() -> strict.install(Direction.TX, keys)).isInstanceOf(io.ktls4j.KtlsException.class)
                .hasMessageContaining(refused.get().toString());
        assertThat(strict.decision(Direction.TX)).isEmpty();
    }

    @Test
    void softwarePolicyNeverAsksTheKernel() throws Exception {
        SocketChannel[] p = t.pair();
        FallbackKtlsSocket s = t.later(Ktls.attach(p[0], BackendPolicy.SOFTWARE));
        assertThat(s.decision(Direction.TX)).get().satisfies(d -> {
            assertThat(d.backend()).isEqualTo(BackendKind.SOFTWARE);
            assertThat(d.fellBack()).isFalse();
        });
        // no ULP was attached: the kernel still accepts one
        t.later(new KernelBackend().attach(p[0]));
    }
}
