package io.ktls4j.http;

import java.util.Locale;

/**
 * The precompressed siblings a file may have, served in its place as nginx's {@code gzip_static} (and ngx_brotli's
 * {@code brotli_static}) do: {@code app.js.br}, then {@code app.js.gz}, to a client whose {@code Accept-Encoding}
 * takes that coding.
 */
enum ContentCoding {
    /** Brotli first: smaller than gzip at the same content. */
    BR("br", ".br"),
    GZIP("gzip", ".gz");

    /** The coding's token in Accept-Encoding and Content-Encoding. */
    final String token;
    /** The sibling's file name suffix. */
    final String suffix;

    ContentCoding(String token, String suffix) {
        this.token = token;
        this.suffix = suffix;
    }

    /**
     * Whether {@code acceptEncoding} (null when absent) takes this coding: listed, or covered by "*", with a q-value
     * above 0 (RFC 9110 12.5.3). An explicit entry decides over "*".
     */
    boolean acceptedBy(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        Double star = null;
        for (String item : acceptEncoding.split(",")) {
            String[] parts = item.split(";");
            String coding = parts[0].strip().toLowerCase(Locale.ROOT);
            double q = quality(parts);
            if (coding.equals(token) || (this == GZIP && coding.equals("x-gzip"))) {
                return q > 0;
            }
            if (coding.equals("*")) {
                star = q;
            }
        }
        return star != null && star > 0;
    }

    /** The q parameter, 1 when absent, 0 when malformed (a coding the client did not clearly ask for). */
    private static double quality(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                try {
                    return Double.parseDouble(p.substring(2).strip());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }
}
