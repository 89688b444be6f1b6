package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The progress bar's text: total and time left when the size is known. */
class ProgressTest {
    @Test
    void aKnownSizeShowsPercentTotalRateAndTimeLeft() {
        // 1 MiB of 4 MiB in 2 s: 512 KiB/s, 3 MiB left = 6 s
        assertThat(Progress.line(1 << 20, 4 << 20, 2.0)).isEqualTo(" 25% 1.0 MiB of 4.0 MiB  512.0 KiB/s  ETA 0:06");
    }

    @Test
    void anUnknownSizeShowsBytesAndRate() {
        assertThat(Progress.line(3 << 20, -1, 1.0)).isEqualTo("3.0 MiB  3.0 MiB/s");
    }

    @Test
    void nothingYetHasNoEta() {
        assertThat(Progress.line(0, 1000, 0.0)).isEqualTo("  0% 0 B of 1000 B  0 B/s  ETA --:--");
    }

    @Test
    void timeLeftIsMinutesAndSecondsOrHours() {
        assertThat(Progress.clock(75.2)).isEqualTo("1:16");
        assertThat(Progress.clock(3725)).isEqualTo("1:02:05");
        assertThat(Progress.clock(0)).isEqualTo("0:00");
    }
}
