package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link ByteRange#parseAll}, the {@code Range} header as the server answers it (several ranges as
 * {@code multipart/byteranges}), against representations of any size. Its own class: Jazzer fuzzes one target per
 * JVM, and bin/fuzz runs one JVM per class. Regression inputs in
 * src/test/resources/io/ktls4j/http/MultiRangeFuzzTestInputs (as {@link RangeFuzzTest}'s: the header value, then 8
 * bytes that pick the size).
 */
class MultiRangeFuzzTest {
    private static final long[] SIZES = RangeFuzzTest.SIZES;

    /**
     * {@link ByteRange#parseAll}, what the server answers with: every range inside the representation, together no
     * more bytes than it has, at most {@link ByteRange#MAX_RANGES}; one range as {@link ByteRange#parse} gives it.
     */
    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"bytes=", "-", ",", "0", "999999999999999999", "9223372036854775807", " "})
    void parseAll(FuzzedDataProvider in) {
        long pick = in.consumeLong();
        long size = pick >= 0 && pick < SIZES.length ? SIZES[(int) pick] : pick & Long.MAX_VALUE;
        String value = in.consumeRemainingAsString();
        java.util.List<ByteRange> ranges = ByteRange.parseAll(value, size);
        if (ranges == null) {
            return;
        }
        assertThat(ranges.size()).isLessThanOrEqualTo(ByteRange.MAX_RANGES);
        long total = 0;
        for (ByteRange r : ranges) {
            assertThat(r.first()).isBetween(0L, r.last());
            assertThat(r.last()).isLessThan(size);
            total += r.length();
            assertThat(total).as("%s of %d bytes", value, size).isBetween(1L, size);
        }
        if (!value.contains(",")) {
            ByteRange one = ByteRange.parse(value, size);
            assertThat(ranges).isEqualTo(one == ByteRange.UNSATISFIABLE ? java.util.List.of() : java.util.List.of(one));
        }
    }
}
