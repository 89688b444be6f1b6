package io.ktls4j.cli;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.http.ConnectionLimits;
import io.ktls4j.http.Handler;
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
 * {@code /_ktls/status}: a page for a browser, the same figures as JSON for {@code Accept: application/json}. Who may
 * see it is {@link Access}: by default clients on this host only (to others the page does not exist: 404); with
 * {@code public} everyone, but the entries that name local paths ({@link #LOCAL_ONLY}: the served directory, the
 * agent's socket) only for clients on this host. The page ({@link StatusHtml}) fetches the JSON every two seconds
 * and draws from it. Every JSON field is documented in docs/SERVE.md ("The status page").
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
    private final StatusHeadline.Setup backends;

    StatusPage(ServerStats stats, Map<String, Object> server, IntSupplier active, ConnectionLimits limits,
               Access access, StatusHeadline.Setup backends) {
        this.stats = stats;
        this.server = server;
        this.active = active;
        this.limits = limits;
        this.access = access;
        this.backends = backends;
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
            r = HttpResponse.bytes(200, "text/html; charset=utf-8",
                    StatusHtml.page(model).getBytes(StandardCharsets.UTF_8))
                    .header("Content-Security-Policy", StatusHtml.CONTENT_SECURITY_POLICY)
                    .header("Referrer-Policy", "no-referrer");
        }
        return r.header("Cache-Control", "no-store").header("Vary", "Accept")
                .header("X-Content-Type-Options", "nosniff");
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
        FallbackStatistics.Snapshot f = FallbackStatistics.snapshot();
        m.put("headline", StatusHeadline.of(stats.backendsNow(), stats.backendsTotal(), backends,
                f.fallbackReasons()));
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
}
