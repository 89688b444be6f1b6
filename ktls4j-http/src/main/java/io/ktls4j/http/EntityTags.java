package io.ktls4j.http;

/**
 * Entity tags (RFC 9110 8.8.3) of files as nginx makes them, and the conditions that compare them: a file's tag is
 * its modification time in seconds and its size, in hex ({@code "65e1a5a0-6"}), so it changes when either does and
 * is the same across restarts and across servers sharing the files.
 */
final class EntityTags {
    private EntityTags() {
    }

    /** {@code "<mtime hex>-<size hex>"}, quoted: a strong tag. */
    static String of(long modifiedEpochSecond, long size) {
        return "\"" + Long.toHexString(modifiedEpochSecond) + "-" + Long.toHexString(size) + "\"";
    }

    /**
     * Whether an {@code If-None-Match} value matches {@code tag}: "*", or a list with {@code tag} in it, compared
     * weakly (a {@code W/} prefix is ignored, RFC 9110 13.1.2).
     */
    static boolean noneMatchHits(String ifNoneMatch, String tag) {
        return hits(ifNoneMatch, tag, true);
    }

    /**
     * Whether an {@code If-Match} value matches {@code tag}: "*", or a list with {@code tag} in it, compared strongly
     * (a weak tag never matches, RFC 9110 13.1.1).
     */
    static boolean matchHits(String ifMatch, String tag) {
        return hits(ifMatch, tag, false);
    }

    private static boolean hits(String list, String tag, boolean weak) {
        String v = list.strip();
        if (v.equals("*")) {
            return true;
        }
        for (String item : v.split(",")) {
            String t = item.strip();
            if (weak && t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals(tag)) {
                return true;
            }
        }
        return false;
    }
}
