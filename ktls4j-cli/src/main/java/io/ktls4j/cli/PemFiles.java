package io.ktls4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Checks that a PEM file given to an option holds what the option needs, so that a wrong file is reported by its
 * option and name ("--cert x.pem holds no PEM certificate") rather than by what the loader missed later.
 */
final class PemFiles {
    /** PKCS#8 ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY") or traditional ("RSA PRIVATE KEY", "EC PRIVATE KEY"). */
    private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----");

    private PemFiles() {
    }

    /** @throws IOException when {@code file} has no {@code -----BEGIN CERTIFICATE-----} block */
    static void requireCertificate(String option, Path file) throws IOException {
        if (!text(file).contains("-----BEGIN CERTIFICATE-----")) {
            throw new IOException(option + " " + file + " holds no PEM certificate (no -----BEGIN CERTIFICATE----- "
                    + "line); give a certificate file in PEM");
        }
    }

    /** @throws IOException when {@code file} has no {@code -----BEGIN ... PRIVATE KEY-----} block */
    static void requirePrivateKey(String option, Path file) throws IOException {
        if (!PRIVATE_KEY.matcher(text(file)).find()) {
            throw new IOException(option + " " + file + " holds no PEM private key (no -----BEGIN PRIVATE KEY----- "
                    + "line); give the certificate's private key in PEM");
        }
    }

    // ISO-8859-1 decodes any bytes: a binary file is reported as holding no PEM, not as a charset error
    private static String text(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.ISO_8859_1);
    }
}
