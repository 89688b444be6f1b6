package io.ktls4j.cli;

import io.ktls4j.TlsStat;
import io.ktls4j.http.Html;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The status page as HTML: one self-contained document (no external asset, no CDN) that shows the figures of the
 * moment it was made and then keeps itself live with its inline script ({@code status.js}), which fetches the JSON
 * every two seconds and draws the charts as inline SVG. Every value from outside (paths, names, reasons) is
 * HTML-escaped here, and the script writes text with {@code textContent} only. The page is also well-formed XML (the
 * script sits in a CDATA section), which a test checks.
 */
final class StatusHtml {
    private static final String STYLE = resource("status.css");
    private static final String SCRIPT = resource("status.js");

    /**
     * Allows exactly this page's one style sheet and one script (by their SHA-256) and fetches to this origin; no
     * other script, style, image, frame or form target.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src '" + sha256(SCRIPT)
            + "'; style-src '" + sha256(STYLE) + "'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    private StatusHtml() {
    }

    /** The page for {@link StatusPage#model}'s {@code model}. */
    static String page(Map<String, Object> model) {
        StringBuilder sb = new StringBuilder(16384);
        sb.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">")
                .append("<head><meta charset=\"utf-8\"/>")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
                .append("<title>ktls status</title><style>").append(STYLE).append("</style></head>\n<body><main>\n");
        sb.append("<header><h1>ktls serve</h1><span class=\"sub\">").append(field(model, "server.address"))
                .append(" · ").append(field(model, "server.version")).append(" · up ")
                .append(field(model, "server.uptime_seconds", "duration")).append(" · <span id=\"state\">")
                .append("as of loading (the live view needs JavaScript)</span></span></header>\n");

        sb.append("<div class=\"grid\">\n");
        for (String d : List.of("tx", "rx")) {
            sb.append("<section class=\"card dir\" data-carrier-of=\"").append(d).append("\" data-carrier=\"")
                    .append(Html.escape(text(get(model, "headline." + d + ".carrier")))).append("\"><h2>")
                    .append(d.toUpperCase(java.util.Locale.ROOT)).append(": <span class=\"carrier\">")
                    .append(field(model, "headline." + d + ".label")).append("</span></h2><p>")
                    .append(field(model, "headline." + d + ".why")).append("</p></section>\n");
        }
        sb.append("</div>\n<h2>Traffic</h2>\n<div class=\"grid\">\n");
        figure(sb, model, "connections.now", null, "connections open, of at most "
                + Html.escape(text(get(model, "connections.max"))), "connections.now", null);
        figure(sb, model, "connections.requests", null, "requests answered; now", "rate:connections.requests",
                "persec");
        figure(sb, model, "rate:connections.bytes_out", "bytesps", "sent per second; in total "
                + field(model, "connections.bytes_out", "bytes") + " (counted as connections close)",
                "rate:connections.bytes_out", "bytesps");
        figure(sb, model, "connections.total", null, "handshakes completed (failed: "
                + field(model, "connections.handshake_failures", null) + "); now", "rate:connections.total", "persec");
        figure(sb, model, "fallbacks.total", null, "directions that fell back to software (reasons below)",
                "fallbacks.total", null);
        sb.append("</div>\n<h2>TLS</h2>\n<div class=\"grid\">\n");
        counts(sb, model, "versions", "Versions", "connections");
        counts(sb, model, "cipher_suites", "Cipher suites", "connections");
        counts(sb, model, "fallbacks.reasons", "Fallback reasons", "directions");
        sb.append("</div>\n");
        tlsStat(sb, model);
        server(sb, model);
        // the address the browser used, filled in by the script: the listening address may be a wildcard
        sb.append("<footer>The same figures as JSON: <code>curl -H 'Accept: application/json' <span id=\"here\">")
                .append(StatusPage.PATH).append("</span></code> (fields: docs/SERVE.md). Charts: the last five ")
                .append("minutes this page has been open.")
                .append("</footer>\n</main>\n<script>").append(SCRIPT).append("</script>\n</body></html>\n");
        return sb.toString();
    }

    /** A big figure with its label and, when {@code series} is given, a chart of it. */
    private static void figure(StringBuilder sb, Map<String, Object> model, String key, String format,
                               String labelHtml, String series, String seriesFormat) {
        sb.append("<section class=\"card\"><span class=\"max\"></span><span class=\"v\"")
                .append(attributes(key, format)).append('>').append(initial(model, key, format))
                .append("</span><span class=\"l\">").append(labelHtml);
        if (series != null && series.startsWith("rate:") && !series.equals(key)) {
            sb.append(" <span").append(attributes(series, seriesFormat)).append(">–</span>");
        }
        sb.append("</span><svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 60\" ")
                .append("preserveAspectRatio=\"none\" role=\"img\" aria-label=\"").append(Html.escape(series))
                .append(" over the last five minutes\" data-series=\"").append(Html.escape(series)).append('"')
                .append(seriesFormat == null ? "" : " data-f=\"" + seriesFormat + "\"").append("></svg></section>\n");
    }

    /** A table of name → count (versions, suites, fallback reasons), redrawn by the script. */
    private static void counts(StringBuilder sb, Map<String, Object> model, String key, String title, String unit) {
        sb.append("<section class=\"card\"><h3>").append(title).append("</h3><table><thead><tr><th>name</th>")
                .append("<th class=\"n\">").append(unit).append("</th></tr></thead><tbody data-map=\"").append(key)
                .append("\">");
        if (get(model, key) instanceof Map<?, ?> m && !m.isEmpty()) {
            m.forEach((k, v) -> sb.append("<tr><td>").append(Html.escape(text(k))).append("</td><td class=\"n\">")
                    .append(Html.escape(text(v))).append("</td></tr>"));
        } else {
            sb.append("<tr><td>none yet</td><td></td></tr>");
        }
        sb.append("</tbody></table></section>\n");
    }

    /** Every {@code tls_stat} counter by its kernel name: the kernel's and this process's software ones. */
    private static void tlsStat(StringBuilder sb, Map<String, Object> model) {
        sb.append("<h2>tls_stat</h2>\n<section class=\"card\">");
        if (!Boolean.TRUE.equals(get(model, "tls_stat.kernel.available"))) {
            sb.append("<p class=\"note\">Kernel column empty: ").append(field(model, "tls_stat.kernel.reason"))
                    .append("</p>");
        }
        sb.append("<table><thead><tr><th>counter</th><th class=\"n\">kernel</th><th class=\"n\">software</th>")
                .append("<th>what it counts</th></tr></thead><tbody>\n");
        for (TlsStat s : TlsStat.values()) {
            sb.append("<tr><td><code>").append(s.name()).append("</code></td>");
            for (String source : List.of("kernel", "software")) {
                String key = "tls_stat." + source + ".counters." + s.name();
                sb.append("<td class=\"n\"").append(attributes(key, null)).append('>')
                        .append(get(model, key) == null ? "—" : field(model, key)).append("</td>");
            }
            sb.append("<td class=\"meaning\">").append(Html.escape(s.meaning())).append("</td></tr>\n");
        }
        sb.append("</tbody></table><p class=\"note\">kernel: /proc/net/tls_stat of this host's network namespace, "
                + "all processes; software: ktls4j's Java record layer in this process.</p></section>\n");
    }

    /** The server's configuration, as the JSON's {@code server} object has it. */
    private static void server(StringBuilder sb, Map<String, Object> model) {
        sb.append("<h2>Server</h2>\n<section class=\"card\"><table><tbody>\n");
        if (model.get("server") instanceof Map<?, ?> server) {
            server.forEach((k, v) -> {
                String key = "server." + k;
                sb.append("<tr><th>").append(Html.escape(text(k).replace('_', ' '))).append("</th><td")
                        .append(attributes(key, k.equals("uptime_seconds") ? "duration" : null)).append('>')
                        .append(initial(model, key, k.equals("uptime_seconds") ? "duration" : null))
                        .append("</td></tr>\n");
            });
        }
        sb.append("</tbody></table></section>\n");
    }

    private static String attributes(String key, String format) {
        return " data-k=\"" + Html.escape(key) + "\"" + (format == null ? "" : " data-f=\"" + format + "\"");
    }

    /** An element the script keeps up to date, with its value of now. */
    private static String field(Map<String, Object> model, String key, String format) {
        return "<span" + attributes(key, format) + ">" + initial(model, key, format) + "</span>";
    }

    private static String field(Map<String, Object> model, String key) {
        return field(model, key, null);
    }

    /** The value of now, escaped; rates are not known before two samples. */
    private static String initial(Map<String, Object> model, String key, String format) {
        if (key.startsWith("rate:")) {
            return "–";
        }
        Object v = get(model, key);
        if ("duration".equals(format) && v instanceof Number n) {
            return n + " s";
        }
        if ("bytes".equals(format) && v instanceof Number n) {
            return n + " B";
        }
        return Html.escape(text(v));
    }

    /** The value at a dotted path of nested maps, or null. */
    static Object get(Map<String, Object> model, String path) {
        Object v = model;
        for (String part : path.split("\\.")) {
            v = v instanceof Map<?, ?> m ? m.get(part) : null;
        }
        return v;
    }

    private static String text(Object v) {
        if (v instanceof List<?> l) {
            return String.join(", ", l.stream().map(String::valueOf).toList());
        }
        return v == null ? "" : String.valueOf(v);
    }

    private static String resource(String name) {
        try (InputStream in = StatusHtml.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the ktls4j-cli jar: rebuild it");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the ktls4j-cli jar", e);
        }
    }

    private static String sha256(String text) {
        try {
            return "sha256-" + Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
