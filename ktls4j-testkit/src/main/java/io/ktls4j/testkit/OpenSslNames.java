package io.ktls4j.testkit;

import io.ktls4j.TlsVersion;
import java.util.ArrayList;
import java.util.List;

/** OpenSSL's names for the suites and the command-line options that pin one version and suite. */
public final class OpenSslNames {
    private OpenSslNames() {
    }

    /** OpenSSL's name for the suite IANA calls {@code iana} (TLS 1.3 suites keep their IANA names). */
    public static String name(String iana) {
        return switch (iana) {
            case "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" -> "ECDHE-ECDSA-AES128-GCM-SHA256";
            case "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" -> "ECDHE-ECDSA-AES256-GCM-SHA384";
            case "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" -> "ECDHE-ECDSA-CHACHA20-POLY1305";
            case "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" -> "ECDHE-RSA-AES128-GCM-SHA256";
            case "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" -> "ECDHE-RSA-AES256-GCM-SHA384";
            case "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" -> "ECDHE-RSA-CHACHA20-POLY1305";
            default -> iana;
        };
    }

    /** {@code -tls1_3 -ciphersuites X} or {@code -tls1_2 -cipher X}. */
    public static List<String> pin(String iana, TlsVersion version) {
        List<String> a = new ArrayList<>();
        if (version == TlsVersion.TLS_1_3) {
            a.add("-tls1_3");
            a.add("-ciphersuites");
        } else {
            a.add("-tls1_2");
            a.add("-cipher");
        }
        a.add(name(iana));
        return a;
    }
}
