package io.ktls4j.netty;

import io.ktls4j.handshake.TlsCipherSuite;

import java.util.ArrayList;
import java.util.List;

/** OpenSSL's names for the suites and the command-line options that pin one version and suite. */
final class OpenSslNames {
    private OpenSslNames() {
    }

    static String name(TlsCipherSuite s) {
        return switch (s) {
            case TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 -> "ECDHE-ECDSA-AES128-GCM-SHA256";
            case TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 -> "ECDHE-ECDSA-AES256-GCM-SHA384";
            case TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 -> "ECDHE-ECDSA-CHACHA20-POLY1305";
            case TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -> "ECDHE-RSA-AES128-GCM-SHA256";
            case TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 -> "ECDHE-RSA-AES256-GCM-SHA384";
            case TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 -> "ECDHE-RSA-CHACHA20-POLY1305";
            default -> s.name(); // TLS 1.3 suites keep their IANA names
        };
    }

    /** {@code -tls1_3 -ciphersuites X} or {@code -tls1_2 -cipher X}. */
    static List<String> pin(TlsCipherSuite s) {
        List<String> a = new ArrayList<>();
        if (s.version() == io.ktls4j.TlsVersion.TLS_1_3) {
            a.add("-tls1_3");
            a.add("-ciphersuites");
        } else {
            a.add("-tls1_2");
            a.add("-cipher");
        }
        a.add(name(s));
        return a;
    }
}
