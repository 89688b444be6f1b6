package io.ktls4j.netty.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.testkit.Tools;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The example server, as its README section runs it, against curl (TLS 1.3 and 1.2, whole files, byte ranges,
 * keep-alive, HEAD, 404 and 416) and wrk, on epoll and NIO; and the same server with {@code --tls jdk}
 * ({@code SslHandler}) for the comparison it exists for.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.ktls4j.netty.LeakCheck.class)
class StaticFileServerTest {
    private static final long WAIT_SECONDS = 120;
    @TempDir
    static Path dir;
    private static Path www;
    private static byte[] big;
    private static byte[] small;
    private static Path cert;
    private static Path key;
    private static final List<Channel> servers = new ArrayList<>();

    @BeforeAll
    static void files() throws Exception {
        Tools.require("curl", "openssl");
        www = Files.createDirectories(dir.resolve("www"));
        big = new byte[(8 << 20) + 321];
        new Random(1).nextBytes(big);
        small = new byte[4096];
        new Random(2).nextBytes(small);
        Files.write(www.resolve("big.bin"), big);
        Files.write(www.resolve("4k.bin"), small);
        Files.write(www.resolve("empty"), new byte[0]);
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-days", "2",
                "-keyout", key.toString(), "-out", cert.toString()), null);
    }

    @AfterAll
    static void stop() {
        servers.forEach(s -> s.close().awaitUninterruptibly(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    private static int start(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--root", www.toString(), "--cert", cert.toString(), "--key",
                key.toString(), "--port", "0", "--threads", "2"));
        args.addAll(Arrays.asList(extra));
        Channel server = StaticFileServer.start(StaticFileServer.Options.parse(args.toArray(String[]::new)));
        servers.add(server);
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private record Result(int exit, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.ISO_8859_1);
        }
    }

    private static Result run(List<String> cmd, Path stdoutFile) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectError(err.toFile());
        if (stdoutFile != null) {
            pb.redirectOutput(stdoutFile.toFile());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = stdoutFile == null ? p.getInputStream().readAllBytes() : new byte[0];
        if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not end within " + WAIT_SECONDS + " s");
        }
        Result r = new Result(p.exitValue(), out, Files.readString(err));
        assertThat(r.exit()).as("%s exit; stderr: %s", cmd, r.err()).isZero();
        return r;
    }

    private static List<String> curl(int port, String version, String... args) {
        List<String> c = new ArrayList<>(List.of("curl", "-sS", "--cacert", cert.toString(),
                version.equals("1.3") ? "--tlsv1.3" : "--tlsv1.2", "--tls-max", version));
        c.addAll(Arrays.asList(args));
        return c;
    }

    private static String url(int port, String path) {
        return "https://localhost:" + port + "/" + path;
    }

    @ParameterizedTest(name = "{0}, TLS {1}, bodies {2}")
    @CsvSource({"epoll, 1.3, auto", "epoll, 1.2, region", "nio, 1.3, region", "nio, 1.2, auto"})
    void curlGetsWholeFilesRangesAndErrors(String transport, String version, String bodies) throws Exception {
        int port = start("--transport", transport, "--bodies", bodies);
        Path got = dir.resolve("got-" + transport + version + bodies);
        Result r = run(curl(port, version, "-o", got.toString(), "-w", "%{http_code} %{ssl_verify_result}",
                url(port, "big.bin")), null);
        assertThat(r.text()).isEqualTo("200 0");
        assertThat(Files.readAllBytes(got)).as("the file, intact").isEqualTo(big);

        r = run(curl(port, version, "-r", "1000-99999", url(port, "big.bin")), null);
        assertThat(r.out()).isEqualTo(Arrays.copyOfRange(big, 1000, 100000));
        r = run(curl(port, version, "-r", "-500", url(port, "big.bin")), null);
        assertThat(r.out()).isEqualTo(Arrays.copyOfRange(big, big.length - 500, big.length));
        r = run(curl(port, version, "-r", (big.length - 10) + "-", "-D", "-", url(port, "big.bin")), null);
        assertThat(r.text()).contains("HTTP/1.1 206").contains("content-range: bytes " + (big.length - 10) + "-"
                + (big.length - 1) + "/" + big.length);
        r = run(curl(port, version, "-r", "100-199", url(port, "4k.bin")), null);
        assertThat(r.out()).isEqualTo(Arrays.copyOfRange(small, 100, 200));
        r = run(curl(port, version, "-o", "/dev/null", "-w", "%{http_code}", "-r", big.length + "-",
                url(port, "big.bin")), null);
        assertThat(r.text()).isEqualTo("416");
        r = run(curl(port, version, "-o", "/dev/null", "-w", "%{http_code}", url(port, "no-such-file")), null);
        assertThat(r.text()).isEqualTo("404");
        r = run(curl(port, version, "-o", "/dev/null", "-w", "%{http_code}", url(port, "../../etc/passwd")), null);
        assertThat(r.text()).isIn("404", "400");
        r = run(curl(port, version, "-I", url(port, "big.bin")), null);
        assertThat(r.text()).contains("content-length: " + big.length);
        r = run(curl(port, version, url(port, "empty")), null);
        assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"epoll", "nio"})
    void keepAliveServesSeveralFilesOnOneConnection(String transport) throws Exception {
        int port = start("--transport", transport);
        Path a = dir.resolve("ka-a-" + transport);
        Path b = dir.resolve("ka-b-" + transport);
        Path c = dir.resolve("ka-c-" + transport);
        Result r = run(curl(port, "1.3", "-w", "%{num_connects};", "-o", a.toString(), url(port, "4k.bin"),
                "-o", b.toString(), url(port, "big.bin"), "-o", c.toString(), url(port, "4k.bin")), null);
        assertThat(r.text()).as("one connection for the three").isEqualTo("1;0;0;");
        assertThat(Files.readAllBytes(a)).isEqualTo(small);
        assertThat(Files.readAllBytes(b)).isEqualTo(big);
        assertThat(Files.readAllBytes(c)).isEqualTo(small);
    }

    @Test
    void wrkGetsEveryResponseRight() throws Exception {
        Tools.require("wrk");
        int port = start();
        Path script = dir.resolve("report.lua");
        Files.writeString(script, """
                done = function(summary, latency, requests)
                  local e = summary.errors
                  io.write(string.format("WRK %d %d %d %d %d %d %d\\n", summary.requests, summary.bytes,
                    e.connect, e.read, e.write, e.status, e.timeout))
                end
                """);
        for (String file : List.of("4k.bin", "big.bin")) {
            Result r = run(List.of("wrk", "-t1", "-c4", "-d2s", "--timeout", "30s", "-s", script.toString(),
                    url(port, file)), null);
            String line = r.text().lines().filter(l -> l.startsWith("WRK ")).findFirst().orElseThrow();
            long[] v = Arrays.stream(line.substring(4).trim().split(" ")).mapToLong(Long::parseLong).toArray();
            assertThat(v[0]).as("requests: %s", r.text()).isPositive();
            assertThat(Arrays.copyOfRange(v, 2, 7)).as("connect/read/write/status/timeout errors: %s", r.text())
                    .containsOnly(0L);
            long size = file.equals("big.bin") ? big.length : small.length;
            assertThat(v[1]).as("bytes: every response has its whole body").isGreaterThanOrEqualTo(v[0] * size);
        }
    }

    @Test
    void theSameServerWithSslHandler() throws Exception {
        int port = start("--tls", "jdk");
        Path got = dir.resolve("got-jdk");
        Result r = run(curl(port, "1.3", "-o", got.toString(), "-w", "%{http_code}", url(port, "big.bin")), null);
        assertThat(r.text()).isEqualTo("200");
        assertThat(Files.readAllBytes(got)).isEqualTo(big);
        r = run(curl(port, "1.3", "-r", "5-9", url(port, "4k.bin")), null);
        assertThat(r.out()).isEqualTo(Arrays.copyOfRange(small, 5, 10));
    }

    @Test
    void badOptionsAreNamed() {
        assertThatThrownBy(() -> StaticFileServer.Options.parse("--root", "x")).hasMessageContaining("required");
        assertThatThrownBy(() -> StaticFileServer.Options.parse("--tls", "boringssl"))
                .hasMessageContaining("boringssl");
        assertThatThrownBy(() -> StaticFileServer.Options.parse("--frobnicate", "1"))
                .hasMessageContaining("frobnicate");
        assertThatThrownBy(() -> StaticFileServer.Options.parse("--bodies", "mmap")).hasMessageContaining("mmap");
    }

    @Test
    void rangesAreParsedAsRfc9110Says() {
        assertThat(ByteRange.parse(null, 100)).isInstanceOf(ByteRange.Whole.class);
        assertThat(ByteRange.parse("bytes=0-9", 100)).isEqualTo(new ByteRange.Partial(new ByteRange(0, 9)));
        assertThat(ByteRange.parse("bytes=90-", 100)).isEqualTo(new ByteRange.Partial(new ByteRange(90, 99)));
        assertThat(ByteRange.parse("bytes=90-500", 100)).isEqualTo(new ByteRange.Partial(new ByteRange(90, 99)));
        assertThat(ByteRange.parse("bytes=-10", 100)).isEqualTo(new ByteRange.Partial(new ByteRange(90, 99)));
        assertThat(ByteRange.parse("bytes=-1000", 100)).isEqualTo(new ByteRange.Partial(new ByteRange(0, 99)));
        assertThat(ByteRange.parse("bytes=100-", 100)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThat(ByteRange.parse("bytes=-0", 100)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThat(ByteRange.parse("bytes=9-3", 100)).isInstanceOf(ByteRange.Whole.class);
        assertThat(ByteRange.parse("bytes=0-1,5-6", 100)).isInstanceOf(ByteRange.Whole.class);
        assertThat(ByteRange.parse("items=0-1", 100)).isInstanceOf(ByteRange.Whole.class);
        assertThat(ByteRange.parse("bytes=a-b", 100)).isInstanceOf(ByteRange.Whole.class);
    }
}
