package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The three date formats of RFC 9110 5.6.7. */
class HttpDatesTest {
    private static final Instant T = Instant.parse("1994-11-06T08:49:37Z");

    @Test
    void formatsImfFixdateWithTwoDigitDay() {
        assertThat(HttpDates.format(T)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    }

    @Test
    void nowIsTheCurrentSecond() {
        Instant before = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant now = HttpDates.parse(HttpDates.now());
        Instant after = Instant.now();
        assertThat(now).isBetween(before, after);
    }

    @Test
    void parsesAllThreeFormats() {
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(T);
        assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(T);
        assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).isEqualTo(T);
        assertThat(HttpDates.parse("yesterday")).isNull();
    }
}
