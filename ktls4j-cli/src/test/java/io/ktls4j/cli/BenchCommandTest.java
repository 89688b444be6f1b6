package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code ktls bench} measures real downloads: every row has requests and a positive rate. */
class BenchCommandTest {

    @Test
    void shortRunReportsEachSuiteWithOneAndTwoConnections() {
        Cli r = Cli.run("bench", "--size", "1", "--seconds", "0.5", "--warmup", "0", "--connections", "2",
                "--backend", "software", "--suites", "TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Matcher m = Pattern.compile("(?m)^software\\s+(\\S+)\\s+(\\d+)\\s+([\\d.]+)\\s+(\\d+)$").matcher(r.out());
        int rows = 0;
        while (m.find()) {
            rows++;
            assertThat(Double.parseDouble(m.group(3))).as(m.group()).isPositive();
            assertThat(Long.parseLong(m.group(4))).as(m.group()).isPositive();
        }
        assertThat(rows).as(r.out()).isEqualTo(4);
        assertThat(r.out()).contains("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    }

    @Test
    void jsonHasOneResultPerMeasurement() {
        Cli r = Cli.run("bench", "--size", "1", "--seconds", "0.3", "--warmup", "0", "--connections", "1",
                "--backend", "software", "--suites", "TLS_CHACHA20_POLY1305_SHA256", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"file_mib\": 1").contains("\"suite\": \"TLS_CHACHA20_POLY1305_SHA256\"")
                .contains("\"connections\": 1").doesNotContain("\"requests\": 0,");
    }
}
