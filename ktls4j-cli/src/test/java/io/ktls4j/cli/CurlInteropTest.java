package io.ktls4j.cli;

import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** curl (OpenSSL) against {@code ktls serve} on the embedded default certificate, on loopback. */
class CurlInteropTest {
    static final long LARGE = 256L << 20;

    @TempDir
    static Path tmp;
    static Path www;
    static RunningServer server;

    @BeforeAll
    static void start() throws Exception {
        Tools.require("curl");
        www = Files.createDirectories(tmp.resolve("www"));
        long[] sizes = {0, 1, 16383, 16384, 16385, 1 << 20, LARGE};
        for (long s : sizes) {
            Proc.randomFile(www.resolve("f" + s + ".bin"), s, s);
        }
        Files.writeString(tmp.resolve("secret.txt"), "outside");
        server = RunningServer.start(www, tmp.resolve("state"), "--quiet");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private List<String> curl(String... args) {
        List<String> c = new ArrayList<>(List.of("curl", "-sS", "--cacert", server.certificate.toString()));
        c.addAll(List.of(args));
        return c;
    }

    @ParameterizedTest(name = "TLS {0}, {1} bytes")
    @CsvSource({"1.3,0", "1.3,1", "1.3,16383", "1.3,16384", "1.3,16385", "1.3,1048576", "1.3,268435456",
        "1.2,0", "1.2,1", "1.2,16383", "1.2,16384", "1.2,16385", "1.2,1048576", "1.2,268435456"})
    void downloadIsIntact(String version, long size) throws Exception {
        Path out = tmp.resolve("dl-" + version + "-" + size);
        Proc p = Proc.run(curl("--tlsv" + version, "--tls-max", version, "-o", out.toString(),
                "-w", "%{http_code} %{ssl_verify_result}", server.url("/f" + size + ".bin")));
        assertThat(p.exitCode()).as(p.stderr()).isZero();
        assertThat(p.out()).isEqualTo("200 0");
        assertThat(Files.size(out)).isEqualTo(size);
        assertThat(Proc.sha256(out)).isEqualTo(Proc.sha256(www.resolve("f" + size + ".bin")));
        Files.delete(out);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "TLS_AES_128_GCM_SHA256, --tls13-ciphers, TLS_AES_128_GCM_SHA256, 1.3",
        "TLS_AES_256_GCM_SHA384, --tls13-ciphers, TLS_AES_256_GCM_SHA384, 1.3",
        "TLS_CHACHA20_POLY1305_SHA256, --tls13-ciphers, TLS_CHACHA20_POLY1305_SHA256, 1.3",
        "TLS_AES_128_CCM_SHA256, --tls13-ciphers, TLS_AES_128_CCM_SHA256, 1.3",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, --ciphers, ECDHE-ECDSA-AES128-GCM-SHA256, 1.2",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, --ciphers, ECDHE-ECDSA-AES256-GCM-SHA384, 1.2",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, --ciphers, ECDHE-ECDSA-CHACHA20-POLY1305, 1.2",
    })
    void eachSuiteDownloadsAMebibyte(String iana, String curlOption, String openssl, String version) throws Exception {
        Path out = tmp.resolve("suite-" + iana);
        Proc p = Proc.run(curl("--tlsv" + version, "--tls-max", version, curlOption, openssl, "-v",
                "-o", out.toString(), server.url("/f1048576.bin")));
        assertThat(p.exitCode()).as(p.stderr()).isZero();
        assertThat(p.stderr()).contains("SSL connection using TLSv" + version + " / " + (version.equals("1.3")
                ? iana : openssl));
        assertThat(Proc.sha256(out)).isEqualTo(Proc.sha256(www.resolve("f1048576.bin")));
    }

    @Test
    void rangeRequestsAsCurlExpects() throws Exception {
        Path out = tmp.resolve("range");
        Proc p = Proc.run(curl("-r", "100-199", "-o", out.toString(), "-w", "%{http_code}",
                server.url("/f1048576.bin")));
        assertThat(p.out()).isEqualTo("206");
        byte[] all = Files.readAllBytes(www.resolve("f1048576.bin"));
        assertThat(Files.readAllBytes(out)).isEqualTo(java.util.Arrays.copyOfRange(all, 100, 200));

        Proc tail = Proc.run(curl("-r", "-10", "-o", out.toString(), "-w", "%{http_code}", server.url("/f1048576.bin")));
        assertThat(tail.out()).isEqualTo("206");
        assertThat(Files.readAllBytes(out)).isEqualTo(java.util.Arrays.copyOfRange(all, all.length - 10, all.length));

        Proc past = Proc.run(curl("-r", "2000000-", "-o", "/dev/null", "-w", "%{http_code}",
                server.url("/f1048576.bin")));
        assertThat(past.out()).isEqualTo("416");
    }

    /** curl -r with several ranges gets multipart/byteranges with each range's bytes. */
    @Test
    void severalRangesAsMultipartByteranges() throws Exception {
        Path out = tmp.resolve("ranges");
        Proc p = Proc.run(curl("-r", "0-9,100-109", "-o", out.toString(), "-w", "%{http_code} %{content_type}",
                server.url("/f1048576.bin")));
        assertThat(p.out()).startsWith("206 multipart/byteranges; boundary=");
        String boundary = p.out().substring(p.out().indexOf('=') + 1);
        byte[] all = Files.readAllBytes(www.resolve("f1048576.bin"));
        byte[] body = Files.readAllBytes(out);
        String text = new String(body, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(text).startsWith("\r\n--" + boundary + "\r\n").endsWith("\r\n--" + boundary + "--\r\n")
                .contains("Content-Range: bytes 0-9/1048576\r\n").contains("Content-Range: bytes 100-109/1048576\r\n")
                .contains(new String(java.util.Arrays.copyOfRange(all, 100, 110),
                        java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void resumeWithContinueAt() throws Exception {
        Path out = tmp.resolve("resume");
        Files.write(out, java.util.Arrays.copyOf(Files.readAllBytes(www.resolve("f1048576.bin")), 300_000));
        Proc p = Proc.run(curl("-C", "-", "-o", out.toString(), server.url("/f1048576.bin")));
        assertThat(p.exitCode()).as(p.stderr()).isZero();
        assertThat(Proc.sha256(out)).isEqualTo(Proc.sha256(www.resolve("f1048576.bin")));
    }

    /** curl offers h2 and http/1.1 and, with no ALPN answer, says "server did not agree on a protocol". */
    @Test
    void alpnSelectsHttp11() throws Exception {
        Proc p = Proc.run(curl("-v", "-o", "/dev/null", server.url("/f1.bin")));
        assertThat(p.exitCode()).as(p.stderr()).isZero();
        assertThat(p.stderr()).containsPattern("ALPN[:,] server accepted (to use )?http/1.1")
                .doesNotContain("server did not agree");
    }

    @Test
    void headShowsTheLengthAndNoBody() throws Exception {
        Proc p = Proc.run(curl("-I", server.url("/f16385.bin")));
        assertThat(p.exitCode()).as(p.stderr()).isZero();
        assertThat(p.out()).startsWith("HTTP/1.1 200 OK").contains("Content-Length: 16385")
                .contains("Accept-Ranges: bytes").contains("Last-Modified: ");
    }

    @Test
    void hundredRequestsOnOneKeepAliveConnection() throws Exception {
        List<String> c = curl("-w", "%{num_connects}\\n");
        for (int i = 0; i < 100; i++) {
            c.add("-o");
            c.add("/dev/null");
            c.add(server.url("/f16384.bin"));
        }
        Proc p = Proc.run(c);
        assertThat(p.exitCode()).as(p.stderr()).isZero();
        List<String> connects = p.out().lines().toList();
        assertThat(connects).hasSize(100);
        assertThat(connects.get(0)).isEqualTo("1");
        assertThat(connects.subList(1, 100)).containsOnly("0");
    }

    @Test
    void traversalIsRefused() throws Exception {
        for (String path : new String[] {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"}) {
            Proc p = Proc.run(curl("--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", server.url(path)));
            assertThat(p.out()).as(path).isIn("403", "404");
        }
    }

    @Test
    void pinnedPublicKeyFromTheBannerWorks() throws Exception {
        String pin = server.publicKeyPin();
        Proc p = Proc.run(List.of("curl", "-sS", "-k", "--pinnedpubkey", pin, "-o", "/dev/null", "-w",
                "%{http_code}", server.url("/f1.bin")));
        assertThat(p.out()).isEqualTo("200");
        Proc wrong = Proc.run(List.of("curl", "-sS", "-k", "--pinnedpubkey",
                "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "-o", "/dev/null", server.url("/f1.bin")));
        assertThat(wrong.exitCode()).isNotZero();
    }
}
