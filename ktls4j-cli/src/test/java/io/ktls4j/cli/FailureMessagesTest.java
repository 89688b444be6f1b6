package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each failure is one line on standard error naming what failed, on what, and what to do; the exit code says which
 * kind.
 */
class FailureMessagesTest {
    @TempDir
    Path tmp;

    @Test
    void anUnresolvableHostIsARuntimeFailureNamingTheHost() {
        Cli r = Cli.run("get", "https://no-such-host.invalid/");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ktls get: cannot resolve the host name no-such-host.invalid; check its "
                + "spelling and the DNS settings\n");
    }

    @Test
    void aRefusedConnectionNamesHostAndPort() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Cli r = Cli.run("get", "https://127.0.0.1:" + port + "/");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ktls get: cannot connect to 127.0.0.1:" + port + ": connection refused (no "
                + "server listens there); check the host and port, or start the server\n");
    }

    @Test
    void aServerThatDoesNotSpeakTlsIsNamedWithWhatToCheck() throws Exception {
        try (ServerSocket plain = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread answer = Thread.ofVirtual().start(() -> {
                try (var s = plain.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the client went away: its message is what is tested
                }
            });
            String where = "127.0.0.1:" + plain.getLocalPort();
            Cli r = Cli.run("get", "https://" + where + "/");
            answer.join();
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).startsWith("ktls get: TLS handshake with " + where + " failed: ")
                    .endsWith("; check that " + where + " speaks TLS (http:// for plain HTTP)\n")
                    .doesNotContain("Exception").hasLineCount(1);
        }
    }

    @Test
    void anAddressInUseNamesAddressAndPort() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            Cli r = Cli.run("serve", tmp.toString(), "--port", Integer.toString(port), "--state-dir",
                    tmp.resolve("state").toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).isEqualTo("ktls serve: cannot listen on 127.0.0.1:" + port + ": the address is "
                    + "already in use (another process listens there); stop it or pick another --port\n");
        }
    }

    @Test
    void anUntrustedServerCertificateHintsAtCacertAndInsecure() throws Exception {
        Files.writeString(tmp.resolve("a.txt"), "a");
        try (RunningServer server = RunningServer.start(tmp, tmp.resolve("state"), "--quiet")) {
            Cli r = Cli.run("get", server.url("/a.txt"));
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).isEqualTo("ktls get: the server certificate of localhost:" + server.port + " is "
                    + "not trusted (it does not chain to a trusted certificate authority); trust it with --cacert "
                    + "FILE (its certificate or CA in PEM), or skip the check with --insecure (test servers only)\n");
        }
    }

    @Test
    void aPortOutOfRangeIsAUsageErrorNamingTheOption() {
        Cli r = Cli.run("serve", tmp.toString(), "--port", "99999");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("ktls serve: --port 99999 is not a TCP port: use 0 to 65535 (0 picks a free "
                + "one) (see 'ktls serve --help')\n");
    }

    @Test
    void aCertificateFileWithoutACertificateIsNamedByItsOption() throws Exception {
        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "garbage\n");
        SelfSignedCertificate good = SelfSignedCertificate.loadOrCreate(tmp.resolve("state"));
        Cli cert = Cli.run("serve", tmp.toString(), "--port", "0", "--cert", garbage.toString(), "--key",
                good.privateKey().toString());
        assertThat(cert.exitCode()).isEqualTo(1);
        assertThat(cert.err()).isEqualTo("ktls serve: --cert " + garbage + " holds no PEM certificate (no -----BEGIN "
                + "CERTIFICATE----- line); give a certificate file in PEM\n");

        Cli key = Cli.run("serve", tmp.toString(), "--port", "0", "--cert", good.certificate().toString(), "--key",
                garbage.toString());
        assertThat(key.exitCode()).isEqualTo(1);
        assertThat(key.err()).isEqualTo("ktls serve: --key " + garbage + " holds no PEM private key (no -----BEGIN "
                + "PRIVATE KEY----- line); give the certificate's private key in PEM\n");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = tmp.resolve("missing.pem");
        Cli r = Cli.run("get", "--cacert", missing.toString(), "https://127.0.0.1:1/");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("ktls get: no such file or directory: " + missing + "\n");
    }
}
