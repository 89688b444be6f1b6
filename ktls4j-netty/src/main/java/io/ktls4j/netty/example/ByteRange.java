package io.ktls4j.netty.example;

/**
 * One byte range of a file, from an HTTP {@code Range: bytes=...} header (RFC 9110 §14.1.2): {@code a-b},
 * {@code a-} or the suffix {@code -n}. Several ranges are answered with the whole file, as many servers do.
 *
 * @param first the first byte (inclusive)
 * @param last the last byte (inclusive)
 */
record ByteRange(long first, long last) {

    long length() {
        return last - first + 1;
    }

    /** The value of a Content-Range header for this range of a file of {@code size} bytes. */
    String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }

    /** What a Range header asks of a file of {@code size} bytes. */
    sealed interface Result permits Whole, Partial, Unsatisfiable {}

    /** No usable Range header (absent, not bytes, several ranges, malformed): the whole file, 200. */
    record Whole() implements Result {}

    /** One satisfiable range: 206. */
    record Partial(ByteRange range) implements Result {}

    /** A range that starts past the end: 416. */
    record Unsatisfiable() implements Result {}

    static Result parse(String header, long size) {
        if (header == null || !header.startsWith("bytes=") || header.indexOf(',') >= 0) {
            return new Whole();
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Whole();
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) { // suffix: the last n bytes
                long n = Long.parseLong(b);
                if (n <= 0 || size == 0) {
                    return new Unsatisfiable();
                }
                return new Partial(new ByteRange(Math.max(0, size - n), size - 1));
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (first < 0 || (!b.isEmpty() && Long.parseLong(b) < first)) {
                return new Whole(); // syntactically invalid: ignored (RFC 9110 §14.2)
            }
            if (first >= size) {
                return new Unsatisfiable();
            }
            return new Partial(new ByteRange(first, last));
        } catch (NumberFormatException e) {
            return new Whole();
        }
    }
}
