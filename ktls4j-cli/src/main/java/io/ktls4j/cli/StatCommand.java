package io.ktls4j.cli;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.linux.KernelTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

    @Option(names = "--json", description = "Print the counters as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> kernel = kernelCounters();
        if (json) {
            out.print(Json.write(Map.of("kernel", kernel)));
        } else {
            printKernel(out, kernel);
        }
        out.flush();
        return ExitCodes.OK;
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
