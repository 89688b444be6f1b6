package io.ktls4j.http;

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
