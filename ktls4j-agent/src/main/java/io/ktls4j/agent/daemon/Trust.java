package io.ktls4j.agent.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Trust managers for credentials: the JDK's system CAs, a PEM bundle, or either of two. */
final class Trust {
    private Trust() {
    }

    /** The JDK's default trust store. */
    static X509TrustManager system() throws IOException {
        return of(null);
    }

    /** Trusts the certificates of a PEM bundle. */
    static X509TrustManager pemBundle(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            List<X509Certificate> certs = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new IOException("no certificate in trust bundle " + pem);
            }
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < certs.size(); i++) {
                ks.setCertificateEntry("trusted-" + i, certs.get(i));
            }
            return of(ks);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read trust bundle " + pem + ": " + e.getMessage(), e);
        }
    }

    /** Accepts what {@code first} or {@code second} accepts. */
    static X509TrustManager either(X509TrustManager first, X509TrustManager second) {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                try {
                    first.checkClientTrusted(chain, authType);
                } catch (CertificateException | RuntimeException e) {
                    second.checkClientTrusted(chain, authType);
                }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                try {
                    first.checkServerTrusted(chain, authType);
                } catch (CertificateException | RuntimeException e) {
                    second.checkServerTrusted(chain, authType);
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
                all.addAll(List.of(second.getAcceptedIssuers()));
                return all.toArray(X509Certificate[]::new);
            }
        };
    }

    private static X509TrustManager of(KeyStore ks) throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IOException("no X509TrustManager available");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up a trust manager: " + e.getMessage(), e);
        }
    }
}
