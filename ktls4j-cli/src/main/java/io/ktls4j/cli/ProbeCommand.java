package io.ktls4j.cli;

import io.ktls4j.linux.FeatureProbe;
import io.ktls4j.linux.KernelTls;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ktls probe}: what this machine's kernel TLS can do, and for each "no" why and since which Linux. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Probes the running kernel's TLS: the tls ULP, each TLS version x cipher (TX and RX), "
                + "TLS_RX_EXPECT_NO_PAD, TLS_TX_MAX_PAYLOAD_LEN, TLS 1.3 rekey and sock_diag. Each probe runs the real "
                + "setsockopt calls on a loopback connection with all-zero keys.",
            "Every \"no\" names the call, the kernel's answer and the first Linux version that has the feature."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:ok (also when the kernel has no kTLS: that is the answer)",
            "1:runtime failure", "2:usage error"})
final class ProbeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOption output;

    /** NIC offload cannot be seen from a socket: it is a per-device ethtool feature. */
    static final String NIC_OFFLOAD = "not probed: NIC TLS offload (TLS_CONF_HW, TLS_CONF_HW_RECORD) is a device "
            + "feature; `ethtool -k IFACE | grep tls-hw` shows it";

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<FeatureProbe> report = KernelTls.report();
        if (output.json) {
            out.print(Json.write(toJson(report)));
        } else {
            out.println("Linux " + KernelTls.kernelRelease() + ": kTLS "
                    + (KernelTls.isAvailable() ? "available" : "NOT available"));
            boolean ulp = KernelTls.isAvailable();
            for (FeatureProbe p : report) {
                // without the ULP every other probe fails the same way: say it once
                out.println(ulp || p == report.get(0) ? line(p) : String.format("  %-40s no (no tls ULP)", p.name()));
            }
            out.println(String.format("  %-40s %s", "NIC offload", NIC_OFFLOAD));
        }
        out.flush();
        return ExitCodes.OK;
    }

    static String line(FeatureProbe p) {
        String verdict = p.supported() ? "yes" : "no";
        String why = p.supported() ? "" : " - " + p.reason()
                + (p.feature() == null || !p.feature().isNewerThanRunningKernel() ? ""
                : " (needs Linux " + p.feature().sinceVersion() + ")");
        return String.format("  %-40s %s%s", p.name(), verdict, why);
    }

    static Map<String, Object> toJson(List<FeatureProbe> report) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("kernel", KernelTls.kernelRelease());
        root.put("available", KernelTls.isAvailable());
        List<Object> probes = new ArrayList<>();
        for (FeatureProbe p : report) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("supported", p.supported());
            m.put("errno", p.errno() == null ? null : p.errno().name());
            m.put("reason", p.reason());
            m.put("feature", p.feature() == null ? null : p.feature().title());
            m.put("since", p.feature() == null ? null : p.feature().sinceVersion());
            probes.add(m);
        }
        root.put("probes", probes);
        root.put("nic_offload", NIC_OFFLOAD);
        return root;
    }
}
