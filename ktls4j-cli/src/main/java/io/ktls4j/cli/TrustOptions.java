package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import picocli.CommandLine.Option;

/** {@code --cacert} and {@code -k}: which server certificates a client trusts (default: the system trust store). */
final class TrustOptions {
    @Option(names = "--cacert", paramLabel = "PEM",
            description = "Trust the certificates in this PEM file (e.g. the one 'ktls serve' printed) instead of "
                    + "the system trust store.")
    Path cacert;

    @Option(names = {"-k", "--insecure"},
            description = "INSECURE: accept any server certificate and name. For throw-away test servers only.")
    boolean insecure;

    void applyTo(KtlsContextBuilder b) throws IOException {
        applyTo(b, null);
    }

    /**
     * As {@link #applyTo(KtlsContextBuilder)}; without {@code --cacert} or {@code -k}, {@code alsoTrusted} (a PEM
     * certificate, if that file exists) is trusted beside the system trust store.
     */
    void applyTo(KtlsContextBuilder b, Path alsoTrusted) throws IOException {
        if (insecure) {
            b.insecureTrustAllForTestingOnly();
        } else if (cacert != null) {
            PemFiles.requireCertificate("--cacert", cacert);
            b.trustManager(cacert);
        } else if (alsoTrusted != null && Files.isRegularFile(alsoTrusted)) {
            b.trustManager(systemTrustStorePlus(SelfSignedCertificate.read(alsoTrusted)));
        }
    }

    private static KeyStore systemTrustStorePlus(X509Certificate extra) throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate ca : x.getAcceptedIssuers()) {
                        store.setCertificateEntry("system-" + i++, ca);
                    }
                }
            }
            store.setCertificateEntry("also-trusted", extra);
            return store;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the system trust store: " + e.getMessage(), e);
        }
    }
}
