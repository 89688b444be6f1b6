package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContextBuilder;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --tls}, {@code --ciphers} and {@code --groups}: the TLS versions, cipher suites and key exchange groups a
 * context allows (a client offers them, a
 * server accepts them; {@link OptionTexts} has the server's wording).
 */
final class TlsOptions {
    @Option(names = "--tls", paramLabel = "1.2|1.3", split = ",",
            description = "TLS versions to offer (default: 1.3 and 1.2).")
    List<String> tls;

    @Option(names = "--ciphers", paramLabel = "SUITE", split = ",",
            description = "Cipher suites to offer, IANA names, comma-separated (default: all kTLS-capable).")
    List<String> ciphers;

    @Option(names = "--groups", paramLabel = "GROUP", split = ",",
            description = "Key exchange groups in order of preference, comma-separated (default: X25519MLKEM768,"
                    + "X25519,SecP256r1MLKEM768,P-256,P-384).")
    List<String> groups;

    /** Whether any option was given. */
    boolean given() {
        return tls != null || ciphers != null || groups != null;
    }

    /** @throws IllegalArgumentException for an unknown version or suite (a usage error) */
    void applyTo(KtlsContextBuilder b) {
        if (tls != null && !tls.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (String v : tls) {
                names.add(switch (v.strip()) {
                    case "1.3", "TLSv1.3" -> "TLSv1.3";
                    case "1.2", "TLSv1.2" -> "TLSv1.2";
                    default -> throw new IllegalArgumentException("--tls takes 1.2 or 1.3, not " + v);
                });
            }
            b.protocols(names.toArray(String[]::new));
        }
        if (ciphers != null && !ciphers.isEmpty()) {
            b.cipherSuites(ciphers.stream().map(String::strip).toArray(String[]::new));
        }
        if (groups != null && !groups.isEmpty()) {
            b.groups(groups.stream().map(String::strip).toArray(String[]::new));
        }
    }
}
