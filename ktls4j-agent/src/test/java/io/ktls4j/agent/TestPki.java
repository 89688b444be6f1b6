package io.ktls4j.agent;

import io.ktls4j.agent.daemon.DefaultCredential;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * One self-signed localhost credential per test run (made by {@link DefaultCredential} in a temporary state
 * directory, so it is the agent's own default credential too), and JSSE contexts for peers: a server presenting it,
 * a client trusting it.
 */
public final class TestPki {
    private static TestPki shared;

    public final Path stateDir;
    public final Path certPem;
    public final Path keyPem;
    public final X509Certificate cert;
    private final PrivateKey key;

    private TestPki(Path stateDir) throws Exception {
        this.stateDir = stateDir;
        DefaultCredential.config(stateDir, 0); // makes the files
        this.certPem = stateDir.resolve(DefaultCredential.CERT_FILE);
        this.keyPem = stateDir.resolve(DefaultCredential.KEY_FILE);
        try (var in = Files.newInputStream(certPem)) {
            this.cert = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        try (Reader r = Files.newBufferedReader(keyPem); PEMParser p = new PEMParser(r)) {
            this.key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) p.readObject());
        }
    }

    public static synchronized TestPki get() throws Exception {
        if (shared == null) {
            Path dir = Files.createTempDirectory("ktls4j-agent-pki");
            shared = new TestPki(dir);
        }
        return shared;
    }

    /** A JSSE server context presenting the localhost certificate, for {@code protocol} ("TLSv1.3", "TLSv1.2"). */
    public SSLContext serverContext() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("localhost", key, new char[0], new X509Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A JSSE client context trusting the localhost certificate only. */
    public SSLContext clientContext() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("localhost", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Writes a configuration file into a fresh directory: {@code text} with {@code $CERT}/{@code $KEY} replaced. */
    public Path config(Path dir, String text) throws IOException {
        Path f = dir.resolve("agent.conf");
        Files.writeString(f, text.replace("$CERT", certPem.toString()).replace("$KEY", keyPem.toString()));
        return f;
    }
}
