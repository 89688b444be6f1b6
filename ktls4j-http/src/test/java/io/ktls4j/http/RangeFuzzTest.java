package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes {@link ByteRange#parse}, the {@code Range} header of a request, against representations of any size. The
 * contract on every input: no exception; the answer is {@code null} (ignore the header), {@link ByteRange#UNSATISFIABLE}
 * or a range inside the representation ({@code 0 <= first <= last < size}); a header in one of the two single-range
 * forms of RFC 9110 14.1.2 ({@code bytes=first-[last]}, {@code bytes=-suffix}, digits only) gets exactly the range it
 * names, clipped to the size, or 416 when it starts at or past the end; several ranges, another unit and a value
 * without a '-' are ignored.
 * Regression inputs in src/test/resources/io/ktls4j/http/RangeFuzzTestInputs (the header value, then 8 bytes that
 * pick the size).
 */
class RangeFuzzTest {
    private static final Pattern FIRST_LAST = Pattern.compile("bytes=(\\d{1,18})-(\\d{1,18})?");
    private static final Pattern SUFFIX = Pattern.compile("bytes=-(\\d{1,18})");
    static final long[] SIZES = {0, 1, 2, 100, 16384, 1L << 40, Long.MAX_VALUE};

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"bytes=", "Bytes=", "-", ",", "0", "999999999999999999", "9223372036854775807", " "})
    void parse(FuzzedDataProvider in) {
        long pick = in.consumeLong();
        long size = pick >= 0 && pick < SIZES.length ? SIZES[(int) pick] : pick & Long.MAX_VALUE;
        String value = in.consumeRemainingAsString();
        ByteRange r = ByteRange.parse(value, size);
        if (r != null && r != ByteRange.UNSATISFIABLE) {
            assertThat(r.first()).isBetween(0L, r.last());
            assertThat(r.last()).isLessThan(size);
            assertThat(r.length()).isBetween(1L, size);
            assertThat(r.contentRange(size)).isEqualTo("bytes " + r.first() + "-" + r.last() + "/" + size);
        }
        Matcher m = FIRST_LAST.matcher(value);
        if (m.matches()) {
            long first = Long.parseLong(m.group(1));
            long last = m.group(2) == null ? Long.MAX_VALUE : Long.parseLong(m.group(2));
            ByteRange expected = last < first ? null // invalid: ignored
                    : first >= size ? ByteRange.UNSATISFIABLE : new ByteRange(first, Math.min(last, size - 1));
            assertThat(r).as("%s of %d bytes", value, size).isEqualTo(expected);
        }
        m = SUFFIX.matcher(value);
        if (m.matches()) {
            long suffix = Long.parseLong(m.group(1));
            assertThat(r).as("%s of %d bytes", value, size).isEqualTo(suffix == 0 || size == 0
                    ? ByteRange.UNSATISFIABLE : new ByteRange(Math.max(0, size - suffix), size - 1));
        }
        if (value.contains(",")) {
            assertThat(r).as("several ranges are ignored").isNull();
        }
        if (!value.strip().toLowerCase(Locale.ROOT).startsWith("bytes=") || value.indexOf('-') < 0) {
            assertThat(r).as("another unit, or no range, is ignored: %s", value).isNull();
        }
    }
}
