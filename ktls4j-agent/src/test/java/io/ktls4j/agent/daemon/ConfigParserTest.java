package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.TlsVersion;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.agent.TestPki;
import io.ktls4j.handshake.ClientAuth;
import io.ktls4j.handshake.TlsCipherSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file of docs/AGENT.md: every key, the defaults, and errors that name file and line. */
class ConfigParserTest {
    @TempDir
    Path dir;

    @Test
    void everyKeyIsRead() throws Exception {
        Files.writeString(dir.resolve("psk.hex"), "00112233445566778899aabbccddeeff\n");
        Path conf = TestPki.get().config(dir, """
                # the agent
                [agent]
                max-concurrent = 7
                default-timeout-ms = 1234

                [credential web]
                certificate = $CERT   # chain
                key = $KEY
                trust = $CERT
                client-auth = require
                sides = server
                protocols = TLSv1.3
                cipher-suites = TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256
                allow-uid = 1000, 1001
                allow-gid = 33
                allow-software-return = true
                session-tickets = no
                timeout-ms = 4321

                [credential nvme]
                psk-identity = host-17
                psk-key = psk.hex
                psk-hash = sha384
                """);
        AgentConfig c = ConfigParser.load(conf, 555);
        assertThat(c.maxConcurrent()).isEqualTo(7);
        assertThat(c.defaultTimeout()).isEqualTo(Duration.ofMillis(1234));
        CredentialConfig web = c.credential("web");
        assertThat(web.certificate().certificateChain()).containsExactly(TestPki.get().cert);
        assertThat(web.clientAuth()).isEqualTo(ClientAuth.REQUIRE);
        assertThat(web.sides()).containsExactly(Side.SERVER);
        assertThat(web.protocols()).containsExactly(TlsVersion.TLS_1_3);
        assertThat(web.cipherSuites()).containsExactly(TlsCipherSuite.TLS_AES_128_GCM_SHA256,
                TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256);
        assertThat(web.allowUids()).containsExactlyInAnyOrder(1000, 1001);
        assertThat(web.allowGids()).containsExactly(33);
        assertThat(web.allowSoftwareReturn()).isTrue();
        assertThat(web.timeout()).isEqualTo(Duration.ofMillis(4321));
        assertThat(web.sessionTickets()).isFalse();
        CredentialConfig nvme = c.credential("nvme");
        assertThat(nvme.certificate()).isNull();
        assertThat(new String(nvme.psk().identity())).isEqualTo("host-17");
        assertThat(nvme.psk().hash().name()).isEqualTo("SHA384");
        assertThat(nvme.allowUids()).as("no allow list: the agent's own uid").containsExactly(555);
        assertThat(nvme.allowSoftwareReturn()).isFalse();
        assertThat(nvme.timeout()).isEqualTo(Duration.ofMillis(1234));
        assertThat(nvme.sessionTickets()).as("the default").isTrue();
        assertThat(nvme.sides()).containsExactlyInAnyOrder(Side.CLIENT, Side.SERVER);
        assertThat(nvme.toString()).doesNotContain("00112233");
    }

    @Test
    void errorsNameTheFileAndLine() throws Exception {
        assertError("[credential a]\ncertificate = $CERT\n", ":1: credential a: certificate and key go together");
        assertError("[credential a]\ncertificate = $CERT\nkey = $KEY\ncolour = blue\n", ":4: unknown key colour");
        assertError("[credential a]\ncertificate = $CERT\nkey = $KEY\nallow-uid = root\n",
                ":4: allow-uid lists numeric ids or *, not root");
        assertError("[agent]\nmax-concurrent = 0\n[credential a]\ncertificate = $CERT\nkey = $KEY\n",
                ":2: max-concurrent must be a number in 1..1000000");
        assertError("[credential a]\ncertificate = $CERT\nkey = $KEY\nprotocols = TLSv1.1\n", ":4: protocols are");
        assertError("[credential a]\ncertificate = $CERT\nkey = $KEY\ncipher-suites = TLS_RSA_WITH_RC4_128_MD5\n",
                ":4: unknown or unsupported cipher suite");
        assertError("[credentials a]\n", ":1: unknown section");
        assertError("key = value\n", ":1: a key outside any section");
        assertError("[credential a]\nsides = client\n", ":1: credential a needs certificate and key, or psk-identity");
        assertError("[credential a]\ncertificate = $CERT\nkey = $CERT\n", ":2: credential a: no private key");
        assertError("[credential a]\ncertificate = $CERT\nkey = $KEY\n[credential a]\ncertificate = $CERT\nkey = $KEY\n",
                ":4: credential a is defined twice");
        assertError("[agent]\n", "no [credential NAME] section");
    }

    @Test
    void theDefaultCredentialIsTheLocalhostCertificateOfKtlsServe() throws Exception {
        AgentConfig c = DefaultCredential.config(TestPki.get().stateDir, 777);
        CredentialConfig d = c.credential(HandshakeRequest.DEFAULT_CREDENTIAL);
        assertThat(d.certificate().certificateChain()).containsExactly(TestPki.get().cert);
        assertThat(d.allowUids()).containsExactly(777);
        assertThat(d.allowSoftwareReturn()).isFalse();
        assertThat(TestPki.get().cert.getSubjectX500Principal().getName()).contains("CN=localhost");
        assertThat(Files.getPosixFilePermissions(TestPki.get().keyPem).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        // the client side trusts it (and the system CAs)
        d.trust().checkServerTrusted(new java.security.cert.X509Certificate[] {TestPki.get().cert}, "ECDHE_ECDSA");
    }

    private void assertError(String text, String message) throws Exception {
        Path conf = TestPki.get().config(Files.createTempDirectory(dir, "c"), text);
        assertThatThrownBy(() -> ConfigParser.load(conf, 0)).hasMessageStartingWith(conf.toString())
                .hasMessageContaining(message);
    }
}
