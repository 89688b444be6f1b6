package io.ktls4j.cli;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ktls stat}: the kernel's {@code /proc/net/tls_stat} counters, or a clear "this kernel has no kTLS". */
@Command(name = "stat", mixinStandardHelpOptions = true,
        description = {"Prints the kernel's TLS counters (/proc/net/tls_stat: sessions on each backend, decrypt "
                + "errors, rekeys), or says that this kernel has no kTLS."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:ok (also when the kernel has no kTLS: that is the answer)",
            "1:runtime failure", "2:usage error"})
class StatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOption output;

    @Option(names = "--url", paramLabel = "URL",
            description = "Also fetch a running 'ktls serve' status page (https://HOST:PORT/ or the /_ktls/status "
                    + "URL). Without --cacert or -k, the default certificate that 'ktls serve' made in the state "
                    + "directory is trusted beside the system trust store.")
    String url;

    @Mixin
    ClientOptions client;

    /** Where 'ktls serve' keeps its default certificate, which --url trusts beside the system trust store. */
    @Mixin
    StateDir stateDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> kernel = kernelCounters();
        String server = url == null ? null : fetchStatus();
        if (output.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kernel", kernel);
            if (server != null) {
                m.put("server", new Json.Raw(server.strip()));
            }
            out.print(Json.write(m));
        } else {
            printKernel(out, kernel);
            if (server != null) {
                out.println("server " + statusUri() + ":");
                out.print(server);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private URI statusUri() {
        URI u = URI.create(url);
        String path = u.getRawPath();
        return path == null || path.isEmpty() || path.equals("/") ? u.resolve(StatusPage.PATH) : u;
    }

    private String fetchStatus() throws IOException {
        URI u = statusUri();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Path localDefault = stateDir.path().resolve(SelfSignedCertificate.CERT_FILE);
        try (Fetcher f = Fetcher.open(u, client.context(localDefault))) {
            Fetcher.Result r = f.exchange("GET", new HttpHeaders().add("Accept", "application/json"), false,
                    Channels.newChannel(body), null);
            if (r.head().status() != 200) {
                throw new IOException(u + " answered HTTP " + r.head().status());
            }
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    static void printKernel(PrintWriter out, Map<String, Object> kernel) {
        if (!(Boolean) kernel.get("available")) {
            out.println(kernel.get("reason"));
            return;
        }
        out.println(kernel.get("source") + " (Linux " + kernel.get("release") + "):");
        @SuppressWarnings("unchecked")
        Map<String, Long> counters = (Map<String, Long>) kernel.get("counters");
        counters.forEach((k, v) -> out.println(String.format("  %-24s %d", k, v)));
    }

    /** The kernel's counters as a JSON-ready map: available, reason or source and counters. */
    static Map<String, Object> kernelCounters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("release", KernelTls.kernelRelease());
        try {
            TlsStatistics s = KernelTls.statistics();
            m.put("available", true);
            m.put("source", s.source());
            Map<String, Long> counters = new LinkedHashMap<>();
            for (TlsStat stat : TlsStat.values()) {
                if (s.has(stat)) {
                    counters.put(stat.name(), s.get(stat));
                }
            }
            m.put("counters", counters);
        } catch (IOException e) {
            m.put("available", false);
            m.put("reason", e.getMessage());
        }
        return m;
    }
}
