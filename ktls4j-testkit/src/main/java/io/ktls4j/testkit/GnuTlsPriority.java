package io.ktls4j.testkit;

import io.ktls4j.CipherType;
import io.ktls4j.TlsVersion;

/** GnuTLS priority strings that pin one version and suite for gnutls-cli and gnutls-serv. */
public final class GnuTlsPriority {
    private GnuTlsPriority() {
    }

    /** The priority string for the suite IANA calls {@code iana}, of {@code version} with {@code cipher}. */
    public static String of(String iana, TlsVersion version, CipherType cipher) {
        String name = switch (cipher) {
            case AES_GCM_128 -> "AES-128-GCM";
            case AES_GCM_256 -> "AES-256-GCM";
            case AES_CCM_128 -> "AES-128-CCM";
            default -> "CHACHA20-POLY1305";
        };
        String p = "NORMAL:-VERS-ALL:+VERS-" + (version == TlsVersion.TLS_1_3 ? "TLS1.3" : "TLS1.2")
                + ":-CIPHER-ALL:+" + name;
        if (version == TlsVersion.TLS_1_2) {
            p += ":-KX-ALL:+" + (iana.contains("_RSA_") ? "ECDHE-RSA" : "ECDHE-ECDSA");
        }
        return p;
    }
}
