package io.ktls4j.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One byte range of a representation, inclusive at both ends (RFC 9110 14.1.2), and the parsing of a {@code Range}
 * header for a single range.
 */
public record ByteRange(long first, long last) {
    /** The answer for a range that lies wholly past the end: 416 Range Not Satisfiable. */
    public static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    public long length() {
        return last - first + 1;
    }

    /** {@code bytes first-last/size}, the Content-Range of a 206. */
    public String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }

    /**
     * Parses a {@code Range} value against a representation of {@code size} bytes.
     *
     * @return the range to send; {@link #UNSATISFIABLE}; or {@code null} to ignore the header and send the whole
     *     representation (another unit, a syntax error, or several ranges, which RFC 9110 14.2 lets a server ignore)
     */
    public static ByteRange parse(String value, long size) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (!v.toLowerCase(Locale.ROOT).startsWith("bytes=")) {
            return null;
        }
        String spec = v.substring(6).strip();
        if (spec.contains(",")) {
            return null;
        }
        return single(spec, size);
    }

    /** The most ranges answered as multipart/byteranges; more are answered with the whole representation. */
    static final int MAX_RANGES = 64;

    /**
     * Parses a {@code Range} value of one or more ranges against a representation of {@code size} bytes, as nginx
     * does: ranges wholly past the end are dropped (416 when none is left); ranges are kept in the order asked, not
     * merged.
     *
     * @return the ranges to send (one: a plain 206; several: multipart/byteranges); an empty list for 416; or
     *     {@code null} to ignore the header and send the whole representation: another unit, a syntax error, more
     *     than {@link #MAX_RANGES} ranges, or ranges adding up to more than the representation (nginx's rule against
     *     a small request that asks for the same bytes many times)
     */
    public static List<ByteRange> parseAll(String value, long size) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (!v.toLowerCase(Locale.ROOT).startsWith("bytes=")) {
            return null;
        }
        List<ByteRange> ranges = new ArrayList<>();
        long total = 0;
        int specs = 0;
        for (String item : v.substring(6).split(",", -1)) {
            String spec = item.strip();
            if (spec.isEmpty()) {
                continue; // an empty list element (RFC 9110 5.6.1)
            }
            if (++specs > MAX_RANGES) {
                return null;
            }
            ByteRange r = single(spec, size);
            if (r == null) {
                return null;
            }
            if (r != UNSATISFIABLE) {
                if (r.length() > size - total) {
                    return null; // more bytes than the representation (compared so that the sum cannot overflow)
                }
                ranges.add(r);
                total += r.length();
            }
        }
        return specs == 0 ? null : ranges;
    }

    /** One range spec ({@code 0-99}, {@code 100-}, {@code -10}): the range, {@link #UNSATISFIABLE}, or null. */
    private static ByteRange single(String spec, long size) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).strip();
        String b = spec.substring(dash + 1).strip();
        try {
            if (a.isEmpty()) {
                long suffix = digits(b);
                if (suffix == 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new ByteRange(Math.max(0, size - suffix), size - 1);
            }
            long first = digits(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : digits(b);
            if (last < first) {
                return null;
            }
            if (first >= size) {
                return UNSATISFIABLE;
            }
            return new ByteRange(first, Math.min(last, size - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NumberFormatException("not a byte position: " + s);
        }
        return Long.parseLong(s);
    }
}
