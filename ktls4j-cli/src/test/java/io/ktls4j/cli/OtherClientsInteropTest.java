package io.ktls4j.cli;

import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Python's ssl + http.client and openssl s_client against {@code ktls serve}. */
class OtherClientsInteropTest {
    @TempDir
    static Path tmp;
    static Path www;
    static RunningServer server;

    @BeforeAll
    static void start() throws Exception {
        www = Files.createDirectories(tmp.resolve("www"));
        Proc.randomFile(www.resolve("data.bin"), 3 << 20, 42);
        Files.writeString(www.resolve("hello.txt"), "hello from ktls\n");
        Files.writeString(tmp.resolve("secret.txt"), "outside");
        server = RunningServer.start(www, tmp.resolve("state"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static final String PYTHON = """
            import hashlib, http.client, ssl, sys
            ctx = ssl.create_default_context(cafile=sys.argv[1])
            if len(sys.argv) > 4:
                ctx.maximum_version = ctx.minimum_version = getattr(ssl.TLSVersion, sys.argv[4])
            c = http.client.HTTPSConnection("localhost", int(sys.argv[2]), context=ctx)
            for path in sys.argv[3].split(","):
                c.request("GET", path)
                r = c.getresponse()
                body = r.read()
                print(path, r.status, len(body), hashlib.sha256(body).hexdigest(), c.sock.version(), c.sock.cipher()[0])
            """;

    private Proc python(String paths, String... version) throws Exception {
        Tools.require("python3");
        Path script = tmp.resolve("client.py");
        Files.writeString(script, PYTHON);
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", script.toString(),
                server.certificate.toString(), Integer.toString(server.port), paths));
        cmd.addAll(List.of(version));
        return Proc.run(cmd);
    }

    @Test
    void pythonFetchesOverOneConnectionWithVerification() throws Exception {
        String sha = Proc.sha256(www.resolve("data.bin"));
        for (String v : new String[] {"TLSv1_3", "TLSv1_2"}) {
            Proc p = python("/data.bin,/hello.txt,/data.bin", v);
            assertThat(p.exitCode()).as(p.stderr()).isZero();
            List<String> lines = p.out().lines().toList();
            assertThat(lines).hasSize(3);
            assertThat(lines.get(0)).startsWith("/data.bin 200 " + (3 << 20) + " " + sha + " " + v.replace('_', '.'));
            assertThat(lines.get(1)).startsWith("/hello.txt 200 16 ");
            assertThat(lines.get(2)).startsWith("/data.bin 200 " + (3 << 20) + " " + sha);
        }
    }

    @Test
    void pythonTraversalAttemptsGet403Or404() throws Exception {
        Proc p = python("/../secret.txt,/%2e%2e/secret.txt,/..%2f..%2fetc%2fpasswd,/%2e%2e%2f%2e%2e%2fetc/passwd");
        assertThat(p.exitCode()).as(p.stderr()).isZero();
        assertThat(p.out().lines().map(l -> l.split(" ")[1]).toList()).containsExactly("403", "403", "404", "404");
        assertThat(p.out()).doesNotContain(Proc.sha256(tmp.resolve("secret.txt")));
    }

    @Test
    void opensslSClientFetchesAFile() throws Exception {
        Tools.require("openssl");
        for (String v : new String[] {"-tls1_3", "-tls1_2"}) {
            Proc p = Proc.run(List.of("openssl", "s_client", v, "-connect", "127.0.0.1:" + server.port,
                    "-servername", "localhost", "-CAfile", server.certificate.toString(), "-verify_return_error",
                    "-quiet"), "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII), 30);
            assertThat(p.exitCode()).as(p.stderr()).isZero();
            assertThat(p.out()).as(v).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nhello from ktls\n");
        }
    }

    @Test
    void failedHandshakeIsOneLogLine() throws Exception {
        try (var s = java.nio.channels.SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", server.port))) {
            s.write(java.nio.ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            try {
                s.read(java.nio.ByteBuffer.allocate(1024));
            } catch (java.net.SocketException e) {
                // a reset: the server closed with the rest of the request unread (it reads a record at a time)
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!server.log().contains("handshake-failed") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<String> failed = server.log().lines().filter(l -> l.contains("handshake-failed")).toList();
        assertThat(failed).hasSize(1);
        assertThat(server.log()).doesNotContain("\tat ");
    }

    @Test
    void connectionLogLineNamesVersionSuiteAndBackends() throws Exception {
        Proc p = python("/hello.txt", "TLSv1_2");
        assertThat(p.exitCode()).isZero();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!server.log().contains("TLSv1.2") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.log()).containsPattern("/127\\.0\\.0\\.1:\\d+ TLSv1\\.2 TLS_ECDHE_ECDSA_\\S+ X25519 tx=\\S+ rx=\\S+ "
                + "requests=1 in=\\d+ out=\\d+ time=\\d+ms");
    }
}
