package io.ktls4j.http;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;

/** HTTP dates (RFC 9110 5.6.7): IMF-fixdate out; IMF-fixdate, RFC 850 and asctime in. */
public final class HttpDates {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    /** Two-digit years are read into the century ending 49 years from now (RFC 9110 5.6.7's 50-year rule). */
    private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder()
            .appendPattern("EEEE, dd-MMM-")
            .appendValueReduced(ChronoField.YEAR, 2, 2, LocalDate.now(ZoneOffset.UTC).minusYears(50))
            .appendPattern(" HH:mm:ss 'GMT'")
            .toFormatter(Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);

    private HttpDates() {
    }

    /** {@code Sun, 06 Nov 1994 08:49:37 GMT}, to the second. */
    public static String format(Instant t) {
        return IMF_FIXDATE.format(t);
    }

    private record Second(long epochSecond, String text) {
    }

    private static volatile Second current = new Second(Long.MIN_VALUE, "");

    /** {@link #format} of the current time: formatted once per second, not once per response. */
    public static String now() {
        long s = Math.floorDiv(System.currentTimeMillis(), 1000L);
        Second c = current;
        if (c.epochSecond() != s) {
            c = new Second(s, format(Instant.ofEpochSecond(s)));
            current = c;
        }
        return c.text();
    }

    /** The instant of an HTTP date, or {@code null} when it is in none of the three formats. */
    public static Instant parse(String s) {
        if (s == null) {
            return null;
        }
        for (DateTimeFormatter f : new DateTimeFormatter[] {IMF_FIXDATE, RFC_850, ASCTIME}) {
            try {
                return ZonedDateTime.parse(s.strip(), f).toInstant();
            } catch (DateTimeParseException e) {
                // try the next format
            }
        }
        return null;
    }
}
