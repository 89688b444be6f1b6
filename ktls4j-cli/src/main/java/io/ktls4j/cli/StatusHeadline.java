package io.ktls4j.cli;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The status page's headline: for each direction, what carries the records (the kernel, the kernel with the NIC's
 * crypto, ktls4j's software record layer, or a mix) and why, from what the server knows: the backends of its
 * connections (those open now, else all so far, else what the configuration leads to expect), the backend policy,
 * whether the kernel has kTLS and the reasons the kernel path was refused.
 */
final class StatusHeadline {
    /** What carries one direction, as the page names it. */
    enum Carrier {
        KERNEL("kernel"), KERNEL_NIC("kernel on NIC"), SOFTWARE("software"), MIXED("mixed");

        final String label;

        Carrier(String label) {
            this.label = label;
        }

        static Carrier of(BackendKind k) {
            return switch (k) {
                case KERNEL_SW -> KERNEL;
                case KERNEL_HW, KERNEL_HW_RECORD -> KERNEL_NIC;
                case SOFTWARE -> SOFTWARE;
                case NONE -> null; // no key installed: no record layer to name
            };
        }
    }

    /**
     * Where the backends are decided.
     *
     * @param policy {@code --backend} (auto, kernel, software), or "agent" when the handshake agent decides
     * @param kernelTls whether the kernel that installs the keys (this host's, or the agent's) has kTLS
     * @param noKernelTlsReason why not, in a few words, when it has not
     */
    record Setup(String policy, boolean kernelTls, String noKernelTlsReason) {
    }

    private StatusHeadline() {
    }

    /**
     * The headline as JSON-ready maps: {@code tx} and {@code rx}, each with {@code carrier} (kernel, kernel_nic,
     * software, mixed), {@code label} (as the page shows it), {@code basis} (now, so_far or expected) and
     * {@code why}.
     *
     * @param now per direction, the connections open now by backend
     * @param total per direction, all connections so far by backend
     * @param fallbackReasons the reasons the kernel path was refused, with how often
     */
    static Map<String, Object> of(Map<Direction, Map<BackendKind, Long>> now,
                                  Map<Direction, Map<BackendKind, Long>> total, Setup setup,
                                  Map<String, Long> fallbackReasons) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Direction d : Direction.values()) {
            m.put(d.name().toLowerCase(Locale.ROOT), direction(d, now.get(d), total.get(d), setup, fallbackReasons));
        }
        return m;
    }

    private static Map<String, Object> direction(Direction d, Map<BackendKind, Long> now,
                                                 Map<BackendKind, Long> total, Setup setup,
                                                 Map<String, Long> fallbackReasons) {
        String basis = "now";
        Map<Carrier, Long> counts = byCarrier(now);
        if (counts.isEmpty()) {
            basis = "so_far";
            counts = byCarrier(total);
        }
        Carrier carrier;
        String why;
        if (counts.isEmpty()) {
            basis = "expected";
            carrier = setup.policy().equals("software") || !setup.kernelTls() ? Carrier.SOFTWARE : Carrier.KERNEL;
            why = why(d, carrier, null, setup, fallbackReasons) + " (no connection yet)";
        } else if (counts.size() == 1) {
            carrier = counts.keySet().iterator().next();
            why = why(d, carrier, null, setup, fallbackReasons);
        } else {
            carrier = Carrier.MIXED;
            why = why(d, carrier, counts, setup, fallbackReasons);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("carrier", carrier.name().toLowerCase(Locale.ROOT));
        m.put("label", carrier.label);
        m.put("basis", basis);
        m.put("why", why);
        return m;
    }

    private static Map<Carrier, Long> byCarrier(Map<BackendKind, Long> connections) {
        Map<Carrier, Long> m = new EnumMap<>(Carrier.class);
        connections.forEach((k, n) -> {
            Carrier c = Carrier.of(k);
            if (c != null && n > 0) {
                m.merge(c, n, Long::sum);
            }
        });
        return m;
    }

    private static String why(Direction d, Carrier carrier, Map<Carrier, Long> mix, Setup setup,
                              Map<String, Long> fallbackReasons) {
        boolean tx = d == Direction.TX;
        return switch (carrier) {
            case KERNEL -> "kTLS: the kernel " + (tx ? "encrypts (TLS_CONF_SW); file bodies go out with sendfile(2)"
                    : "decrypts (TLS_CONF_SW)");
            case KERNEL_NIC -> "kTLS with NIC offload: the network card " + (tx ? "encrypts" : "decrypts")
                    + " (TLS_CONF_HW)";
            case SOFTWARE -> softwareWhy(setup, fallbackReasons);
            case MIXED -> mix.entrySet().stream().map(e -> e.getValue() + " " + e.getKey().label)
                    .collect(Collectors.joining(", ")) + (fallbackReasons.isEmpty() ? ""
                    : "; the kernel refused some: " + reasons(fallbackReasons));
        };
    }

    private static String softwareWhy(Setup setup, Map<String, Long> fallbackReasons) {
        if (setup.policy().equals("software")) {
            return "--backend software: ktls4j's Java record layer, by choice";
        }
        if (!setup.kernelTls()) {
            return (setup.policy().equals("agent") ? "no kTLS in the agent's kernel: " : "no kTLS in this kernel: ")
                    + setup.noKernelTlsReason();
        }
        if (!fallbackReasons.isEmpty()) {
            return "the kernel refused it: " + reasons(fallbackReasons);
        }
        return "ktls4j's Java record layer";
    }

    /** The reasons, most frequent first, each with its count. */
    private static String reasons(Map<String, Long> fallbackReasons) {
        return fallbackReasons.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + " (" + e.getValue() + "x)").collect(Collectors.joining(", "));
    }
}
