package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loading credentials (PEM in its forms, PKCS#12) and using each key type in a handshake. */
class CredentialsTest {
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    private final Closer closer = new Closer();

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ec", "ec384", "rsa", "ed25519"})
    void everyKeyTypeAuthenticatesTls13AndTls12(String kind) throws Exception {
        TestPki pki = TestPki.get();
        TestPki.Issued cert = switch (kind) {
            case "ec" -> pki.ecServer;
            case "ec384" -> pki.ec384Server;
            case "rsa" -> pki.rsaServer;
            default -> pki.ed25519Server;
        };
        for (String version : new String[] {"TLSv1.3", "TLSv1.2"}) {
            KtlsContext server = KtlsContext.forServer(cert.chainPem(), cert.keyPem()).protocols(version).build();
            KtlsContext client = KtlsContext.forClient().trustManager(pki.caPem).build();
            try (Loopback l = Loopback.handshake(server, client, "localhost")) {
                KtlsConnection c = l.client.get();
                assertThat(c.version().toString()).isEqualTo(version);
                assertThat(c.peerCertificates()).hasSize(2).first().isEqualTo(cert.cert());
                c.write(ByteBuffer.wrap(new byte[] {42}));
                ByteBuffer one = ByteBuffer.allocate(1);
                assertThat(l.server.get().read(one)).isEqualTo(1);
                assertThat(one.get(0)).isEqualTo((byte) 42);
            }
        }
    }

    @Test
    void encryptedPemKeysAndPkcs12() throws Exception {
        TestPki pki = TestPki.get();
        char[] pw = "secret".toCharArray();
        Path pkcs8 = Files.createTempFile(pki.dir, "enc", ".key");
        Files.writeString(pkcs8, pem(new JcaPKCS8Generator(pki.ecServer.key(),
                new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC).setProvider(BC).setPassword(pw).build())));
        Credentials a = Credentials.fromPem(pki.ecServer.chainPem(), pkcs8, pw);
        assertThat(a.certificateChain()).hasSize(2);
        assertThatThrownBy(() -> Credentials.fromPem(pki.ecServer.chainPem(), pkcs8))
                .hasMessageContaining("password");
        assertThatThrownBy(() -> Credentials.fromPem(pki.ecServer.chainPem(), pkcs8, "wrong".toCharArray()))
                .hasMessageContaining("wrong password");

        Path traditional = Files.createTempFile(pki.dir, "enc-trad", ".key");
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(pki.rsaServer.key(), new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BC).build(pw));
        }
        Files.writeString(traditional, sw.toString());
        assertThat(Credentials.fromPem(pki.rsaServer.chainPem(), traditional, pw).toString()).contains("RSA");

        Credentials p12 = Credentials.fromPkcs12(pki.pkcs12(pki.ed25519Server, pw), pw);
        assertThat(p12.certificateChain()).first().isEqualTo(pki.ed25519Server.cert());
        assertThat(p12.toString()).contains("ED25519").doesNotContain("PRIVATE");
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsRefused() throws Exception {
        TestPki pki = TestPki.get();
        assertThatThrownBy(() -> Credentials.fromPem(pki.ecServer.chainPem(), pki.client.keyPem()))
                .hasMessageContaining("does not belong");
        assertThatThrownBy(() -> Credentials.fromPem(pki.ecServer.chainPem(), pki.ecServer.chainPem()))
                .hasMessageContaining("no private key");
    }

    private static String pem(Object o) throws Exception {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }
}
