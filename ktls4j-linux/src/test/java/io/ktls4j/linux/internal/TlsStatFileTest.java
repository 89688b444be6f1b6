package io.ktls4j.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing the kernel's {@code seq_printf("%-32s\t%lu\n")} lines of /proc/net/tls_stat. */
class TlsStatFileTest {

    @Test
    void parsesTheTwelveCountersOfLinux61(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        long v = 1;
        for (TlsStat s : TlsStat.values()) {
            if (s.ordinal() < 12) {
                sb.append(String.format("%-32s\t%d%n", s.name(), v++));
            }
        }
        sb.append(String.format("%-32s\t%d%n", "TlsSomethingNewer", 99));
        Path f = dir.resolve("tls_stat");
        Files.writeString(f, sb);
        TlsStatistics stats = TlsStatFile.read(f);
        assertThat(stats.source()).isEqualTo(f.toString());
        assertThat(stats.get(TlsStat.TlsCurrTxSw)).isEqualTo(1);
        assertThat(stats.get(TlsStat.TlsRxNoPadViolation)).isEqualTo(12);
        assertThat(stats.has(TlsStat.TlsTxRekeyOk)).isFalse();
        assertThat(stats.asMap()).hasSize(12);
    }

    @Test
    void aMissingFileSaysThisKernelHasNoKtls(@TempDir Path dir) {
        assertThatThrownBy(() -> TlsStatFile.read(dir.resolve("tls_stat")))
                .isInstanceOf(KtlsException.class)
                .hasMessageContaining("this kernel has no kTLS")
                .satisfies(e -> assertThat(((KtlsException) e).errno()).isEqualTo(Errno.ENOENT));
    }
}
