package io.ktls4j.cli;

import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.http.ConnectionLog;
import io.ktls4j.http.Handler;
import io.ktls4j.http.HttpLimits;
import io.ktls4j.http.HttpResponse;
import io.ktls4j.http.HttpServer;
import io.ktls4j.http.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ktls get} against openssl s_server -WWW, nginx and ktls serve; verification on by default. */
class GetCommandTest {
    @TempDir
    Path tmp;

    /** A free loopback port (bound and released). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(int port, Process p) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline && p.isAlive()) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nothing listens on " + port);
    }

    @Test
    void downloadsFromOpensslSServerWww() throws Exception {
        Tools.require("openssl");
        SelfSignedCertificate cert = SelfSignedCertificate.loadOrCreate(tmp.resolve("state"));
        Path www = Files.createDirectories(tmp.resolve("www"));
        Proc.randomFile(www.resolve("data.bin"), 2_000_003, 5);
        for (String version : new String[] {"-tls1_3", "-tls1_2"}) {
            int port = freePort();
            Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, version,
                    "-cert", cert.certificate().toString(), "-key", cert.privateKey().toString(), "-WWW", "-quiet")
                    .directory(www.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("s_server.log").toFile())
                    .start();
            try {
                awaitListening(port, server);
                Path out = tmp.resolve("got" + version);
                Cli r = Cli.run("get", "https://localhost:" + port + "/data.bin", "-o", out.toString(),
                        "--cacert", cert.certificate().toString());
                assertThat(r.exitCode()).as(r.err()).isZero();
                assertThat(r.err()).contains("HTTP 200, 2000003 bytes")
                        .contains(version.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2");
                assertThat(Proc.sha256(out)).isEqualTo(Proc.sha256(www.resolve("data.bin")));
            } finally {
                server.destroy();
                server.waitFor();
            }
        }
    }

    @Test
    void downloadsFromNginx() throws Exception {
        Path nginx = Path.of("/usr/sbin/nginx");
        assumeTrue(Files.isExecutable(nginx), "nginx is not installed");
        SelfSignedCertificate cert = SelfSignedCertificate.loadOrCreate(tmp.resolve("state"));
        Path www = Files.createDirectories(tmp.resolve("www"));
        Proc.randomFile(www.resolve("data.bin"), 5_000_000, 9);
        int port = freePort();
        Path conf = tmp.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                master_process off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 64; }
                http {
                  access_log off;
                  client_body_temp_path %1$s; proxy_temp_path %1$s; fastcgi_temp_path %1$s;
                  uwsgi_temp_path %1$s; scgi_temp_path %1$s;
                  server {
                    listen 127.0.0.1:%2$d ssl;
                    ssl_certificate %3$s;
                    ssl_certificate_key %4$s;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    root %5$s;
                  }
                }
                """.formatted(tmp, port, cert.certificate(), cert.privateKey(), www));
        Process server = new ProcessBuilder(nginx.toString(), "-c", conf.toString(), "-p", tmp.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("nginx.out").toFile()).start();
        try {
            awaitListening(port, server);
            for (String v : new String[] {"1.3", "1.2"}) {
                Path out = tmp.resolve("nginx-" + v);
                Cli r = Cli.run("get", "https://localhost:" + port + "/data.bin", "-o", out.toString(),
                        "--cacert", cert.certificate().toString(), "--tls", v);
                assertThat(r.exitCode()).as(r.err()).isZero();
                assertThat(r.err()).contains("HTTP 200, 5000000 bytes").contains("TLSv" + v);
                assertThat(Proc.sha256(out)).isEqualTo(Proc.sha256(www.resolve("data.bin")));
            }
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    @Test
    void verificationIsOnByDefaultAndInsecureSkipsIt() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        try (RunningServer server = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            Cli untrusted = Cli.run("get", server.url("/a.txt"), "-o", tmp.resolve("x").toString());
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(untrusted.err()).contains("certificate");
            assertThat(tmp.resolve("x")).doesNotExist();

            Cli insecure = Cli.run("get", "-k", server.url("/a.txt"), "-o", tmp.resolve("y").toString());
            assertThat(insecure.exitCode()).as(insecure.err()).isZero();
            assertThat(Files.readString(tmp.resolve("y"))).isEqualTo("a");

            // 127.0.0.1 is in the certificate's SAN as an IP address
            Cli byIp = Cli.run("get", "https://127.0.0.1:" + server.port + "/a.txt", "-o", tmp.resolve("z").toString(),
                    "--cacert", server.certificate.toString());
            assertThat(byIp.exitCode()).as(byIp.err()).isZero();

            Cli missing = Cli.run("get", server.url("/nope"), "--cacert", server.certificate.toString());
            assertThat(missing.exitCode()).isEqualTo(22);
            assertThat(missing.err()).contains("HTTP 404");

            Cli head = Cli.run("get", "-I", server.url("/a.txt"), "--cacert", server.certificate.toString());
            assertThat(head.out()).startsWith("HTTP/1.1 200 OK").contains("Content-Length: 1");
        }
    }

    /** As curl --fail: with -o, a status other than 2xx is exit 22, and FILE is neither created nor changed. */
    @Test
    void anHttpErrorWithOutputWritesNothing() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.createDirectories(www.resolve("sub"));
        try (RunningServer server = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            String cacert = server.certificate.toString();
            Path absent = tmp.resolve("absent");
            Cli missing = Cli.run("get", server.url("/nope"), "-o", absent.toString(), "--cacert", cacert);
            assertThat(missing.exitCode()).isEqualTo(22);
            assertThat(missing.err()).isEqualTo("ktls get: " + server.url("/nope") + " answered HTTP 404 Not Found; "
                    + "nothing written to " + absent + "\n");
            assertThat(absent).doesNotExist();

            Path kept = Files.writeString(tmp.resolve("kept"), "what was there");
            Cli redirect = Cli.run("get", server.url("/sub"), "-o", kept.toString(), "--cacert", cacert);
            assertThat(redirect.exitCode()).isEqualTo(22);
            assertThat(redirect.err()).isEqualTo("ktls get: " + server.url("/sub") + " answered HTTP 301 Moved "
                    + "Permanently; nothing written to " + kept + " (it redirects to /sub/; add -L to follow)\n");
            assertThat(Files.readString(kept)).isEqualTo("what was there");
        }
    }

    @Test
    void locationFollowsTheServersRedirect() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(Files.createDirectories(www.resolve("sub")).resolve("index.html"), "the index");
        try (RunningServer server = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            Path out = tmp.resolve("out");
            Cli r = Cli.run("get", "-L", server.url("/sub"), "-o", out.toString(), "--cacert",
                    server.certificate.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(Files.readString(out)).isEqualTo("the index");
        }
    }

    /** Relative Locations resolve against the URL that answered; --max-redirs bounds the hops (curl's exit 47). */
    @Test
    void redirectsResolveRelativeLocationsAndAreBounded() throws Exception {
        Handler redirects = request -> switch (request.path()) {
            case "/a/b" -> HttpResponse.error(302, "moved").header("Location", "c?q=1");
            case "/a/c" -> HttpResponse.error(307, "moved").header("Location", "/done");
            case "/done" -> HttpResponse.bytes(200, "text/plain", "done".getBytes(StandardCharsets.US_ASCII));
            case "/loop" -> HttpResponse.error(308, "again").header("Location", "/loop");
            default -> HttpResponse.error(404, "no such page");
        };
        try (HttpServer server = plainServer(redirects)) {
            String base = "http://127.0.0.1:" + server.localAddress().getPort();
            Cli followed = Cli.run("get", "-L", "--max-redirs", "2", base + "/a/b");
            assertThat(followed.exitCode()).as(followed.err()).isZero();
            assertThat(followed.err()).startsWith("ktls get: HTTP 200, 4 bytes");

            Cli bounded = Cli.run("get", "-L", "--max-redirs", "1", base + "/a/b");
            assertThat(bounded.exitCode()).isEqualTo(47);
            assertThat(bounded.err()).isEqualTo("ktls get: stopped at --max-redirs 1: " + base + "/a/c?q=1 "
                    + "redirects again, to " + base + "/done\n");

            Cli heads = Cli.run("get", "-I", "-L", base + "/a/b");
            assertThat(heads.exitCode()).as(heads.err()).isZero();
            String[] hops = heads.out().split("\r?\n\r?\n");
            assertThat(hops).as("one head per hop, as curl -I -L prints them").hasSize(3);
            assertThat(hops[0]).startsWith("HTTP/1.1 302 ").contains("Location: c?q=1");
            assertThat(hops[1]).startsWith("HTTP/1.1 307 ").contains("Location: /done");
            assertThat(hops[2]).startsWith("HTTP/1.1 200 OK");

            Cli loop = Cli.run("get", "-L", base + "/loop");
            assertThat(loop.exitCode()).isEqualTo(47);
            assertThat(loop.err()).startsWith("ktls get: stopped at --max-redirs 50: ");
        }
    }

    /** The project's HTTP server over plain TCP on a loopback port, answering with {@code handler}. */
    private static HttpServer plainServer(Handler handler) throws IOException {
        ConnectionLog quiet = new ConnectionLog() {
            @Override
            public void served(ConnectionLog.Summary s) {
            }

            @Override
            public void failed(java.net.SocketAddress peer, java.time.Duration d, Throwable cause) {
            }
        };
        return new HttpServer(HttpServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16),
                Transport.PLAIN, handler, HttpLimits.DEFAULT, 16, java.time.Duration.ofSeconds(5), quiet).start();
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(Cli.run("get").exitCode()).isEqualTo(2);
        assertThat(Cli.run("get", "not a url").exitCode()).isEqualTo(2);
        assertThat(Cli.run("get", "https://localhost:1/", "--tls", "1.1").exitCode()).isEqualTo(2);
        assertThat(Cli.run("get", "https://localhost:1/", "--ciphers", "TLS_RSA_WITH_RC4_128_MD5").exitCode())
                .isEqualTo(2);
        assertThat(Cli.run("get", "ftp://localhost/").exitCode()).isEqualTo(2);
        assertThat(Cli.run("get", "--max-redirs", "-1", "https://localhost:1/").exitCode()).isEqualTo(2);
    }
}
