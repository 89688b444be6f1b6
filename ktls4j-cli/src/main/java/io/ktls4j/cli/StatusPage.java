package io.ktls4j.cli;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.http.ConnectionLimits;
import io.ktls4j.http.Handler;
import io.ktls4j.http.Html;
import io.ktls4j.http.HttpException;
import io.ktls4j.http.HttpRequest;
import io.ktls4j.http.HttpResponse;
import io.ktls4j.linux.FallbackStatistics;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.sw.SoftwareTlsStats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * {@code /_ktls/status}: HTML for a browser, JSON for {@code Accept: application/json}. Who may see it is
 * {@link Access}: by default clients on this host only (to others the page does not exist: 404); with
 * {@code public} everyone, but the entries that name local paths ({@link #LOCAL_ONLY}: the served directory, the
 * agent's socket) only for clients on this host. The JSON fields:
 * {@code server} (version, started, uptime_seconds, address, root, backend_policy), {@code connections} (now,
 * total, handshake_failures, max, max_per_ip, requests, bytes_out), {@code backends} (tx/rx → backend → now, total),
 * {@code versions}, {@code cipher_suites}, {@code fallbacks} (total, reasons), {@code tls_stat} (kernel: available,
 * counters or reason; software: counters of this process).
 */
final class StatusPage implements Handler {
    static final String PATH = "/_ktls/status";
    /** Entries of the {@code server} object shown to clients on this host only. */
    static final List<String> LOCAL_ONLY = List.of("root", "handshake_agent");

    /** Who may see the page ({@code ktls serve --status}). */
    enum Access {
        /** Clients on this host (loopback addresses); others get 404. */
        LOCAL,
        /** Everyone; the local paths only to clients on this host. */
        PUBLIC,
        /** Nobody: 404. */
        OFF;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final ServerStats stats;
    private final Map<String, Object> server;
    private final IntSupplier active;
    private final ConnectionLimits limits;
    private final Access access;

    StatusPage(ServerStats stats, Map<String, Object> server, IntSupplier active, ConnectionLimits limits,
               Access access) {
        this.stats = stats;
        this.server = server;
        this.active = active;
        this.limits = limits;
        this.access = access;
    }

    @Override
    public HttpResponse handle(HttpRequest request) throws HttpException {
        boolean local = request.fromLoopback();
        if (access == Access.OFF || (access == Access.LOCAL && !local)) {
            throw new HttpException(404, "no such file"); // as for a file that is not there: nothing to see here
        }
        if (!request.path().equals(PATH)) {
            throw new HttpException(404, "the status page is at " + PATH);
        }
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return HttpResponse.error(405, "use GET").header("Allow", "GET, HEAD");
        }
        Map<String, Object> model = model(local);
        String accept = request.headers().first("Accept");
        HttpResponse r;
        if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json")) {
            r = HttpResponse.bytes(200, "application/json", Json.write(model).getBytes(StandardCharsets.UTF_8));
        } else {
            r = HttpResponse.bytes(200, "text/html; charset=utf-8", html(model).getBytes(StandardCharsets.UTF_8));
        }
        return r.header("Cache-Control", "no-store").header("Vary", "Accept");
    }

    /** @param local whether the client is on this host (else the {@link #LOCAL_ONLY} entries are left out) */
    Map<String, Object> model(boolean local) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> s = new LinkedHashMap<>(server);
        if (!local) {
            s.keySet().removeAll(LOCAL_ONLY);
        }
        s.put("started", stats.started.toString());
        s.put("uptime_seconds", Duration.between(stats.started, Instant.now()).toSeconds());
        m.put("server", s);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("now", stats.connectionsNow());
        c.put("accepted_now", active.getAsInt());
        c.put("total", stats.connectionsTotal());
        c.put("handshake_failures", stats.handshakeFailures());
        c.put("max", limits.maxConnections());
        c.put("max_per_ip", limits.maxPerAddress());
        c.put("requests", stats.requests());
        c.put("bytes_out", stats.bytesOut());
        m.put("connections", c);
        m.put("backends", stats.backends());
        m.put("versions", stats.versions());
        m.put("cipher_suites", stats.suites());
        FallbackStatistics.Snapshot f = FallbackStatistics.snapshot();
        m.put("fallbacks", Map.of("total", f.fallbackTx() + f.fallbackRx(), "reasons", f.fallbackReasons()));
        Map<String, Object> tls = new LinkedHashMap<>();
        Map<String, Object> kernel = StatCommand.kernelCounters();
        kernel.put("ktls_available", KernelTls.isAvailable());
        tls.put("kernel", kernel);
        tls.put("software", counters(SoftwareTlsStats.snapshot()));
        m.put("tls_stat", tls);
        return m;
    }

    private static Map<String, Object> counters(TlsStatistics s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", s.source());
        Map<String, Long> c = new LinkedHashMap<>();
        for (TlsStat stat : TlsStat.values()) {
            if (s.has(stat)) {
                c.put(stat.name(), s.get(stat));
            }
        }
        m.put("counters", c);
        return m;
    }

    /** The same model as nested HTML tables. */
    static String html(Map<String, Object> model) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><meta charset=\"utf-8\"/><title>ktls status</title>")
                .append("<style>table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;")
                .append("text-align:left;vertical-align:top}</style></head>\n<body><h1>ktls status</h1>\n");
        model.forEach((k, v) -> {
            sb.append("<h2>").append(Html.escape(k)).append("</h2>\n");
            table(sb, v);
            sb.append('\n');
        });
        sb.append("<p>JSON: request this page with <code>Accept: application/json</code>.</p>\n</body></html>\n");
        return sb.toString();
    }

    private static void table(StringBuilder sb, Object v) {
        if (v instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                sb.append("<p>none</p>");
                return;
            }
            sb.append("<table>");
            map.forEach((k, x) -> {
                sb.append("<tr><th>").append(Html.escape(String.valueOf(k))).append("</th><td>");
                table(sb, x);
                sb.append("</td></tr>");
            });
            sb.append("</table>");
        } else if (v instanceof List<?> list) {
            sb.append("<ul>");
            list.forEach(x -> {
                sb.append("<li>");
                table(sb, x);
                sb.append("</li>");
            });
            sb.append("</ul>");
        } else {
            sb.append(Html.escape(String.valueOf(v)));
        }
    }
}
