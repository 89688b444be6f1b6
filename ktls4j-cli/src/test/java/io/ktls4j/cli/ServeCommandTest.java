package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.daemon.AgentDaemon;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.Tools;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;

/** {@code ktls serve}: the embedded default, the status page, backend policies and usage errors. */
class ServeCommandTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"serve", "get", "probe", "stat", "bench"})
    void everyCommandHasHelpWithExitCodes(String command) {
        Cli r = Cli.run(command, "--help");
        assertThat(r.exitCode()).isZero();
        // the code column widens to the longest code (get has 22 and 47)
        assertThat(r.out()).startsWith("Usage: ktls " + command).contains("Exit codes:").containsPattern("\\n  0 +\\w")
                .containsPattern("2 +usage error");
    }

    @Test
    void firstRunCreatesTheCertificateAndTheSecondKeepsIt() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        String first;
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            first = s.out.toString();
            assertThat(first).contains("(created now)").contains("SHA-256 fingerprint: ")
                    .contains("curl --cacert " + tmp.resolve("state").resolve("localhost-cert.pem"));
        }
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            String second = s.out.toString();
            assertThat(second).doesNotContain("(created now)");
            assertThat(fingerprint(second)).isEqualTo(fingerprint(first));
        }
    }

    private static String fingerprint(String banner) {
        return banner.lines().filter(l -> l.contains("SHA-256 fingerprint")).findFirst().orElseThrow();
    }

    @Test
    void statusPageJsonHasTheDocumentedFields() throws Exception {
        Tools.require("curl", "python3");
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            for (int i = 0; i < 3; i++) {
                Proc.run(List.of("curl", "-sS", "--cacert", s.certificate.toString(), "-o", "/dev/null",
                        s.url("/a.txt")));
            }
            Proc json = Proc.run(List.of("curl", "-sS", "--cacert", s.certificate.toString(), "-H",
                    "Accept: application/json", s.url("/_ktls/status")));
            Proc check = Proc.run(List.of("python3", "-c", """
                    import json, sys
                    d = json.load(sys.stdin)
                    c = d["connections"]
                    for k in ("now", "total", "handshake_failures", "max", "max_per_ip", "requests", "bytes_out"):
                        assert isinstance(c[k], int), k
                    assert c["total"] >= 4 and c["requests"] >= 3 and c["now"] >= 1, c
                    b = d["backends"]
                    assert sum(v["total"] for v in b["tx"].values()) == c["total"], b
                    assert set(d["fallbacks"]) == {"total", "reasons"}
                    k = d["tls_stat"]["kernel"]
                    assert k["available"] in (True, False) and ("counters" in k or "reason" in k)
                    assert "TlsCurrTxSw" in d["tls_stat"]["software"]["counters"]
                    assert d["versions"] and d["cipher_suites"] and d["server"]["backend_policy"] == "auto"
                    assert d["server"]["protocols"] == ["TLSv1.3", "TLSv1.2"], d["server"]
                    assert isinstance(d["server"]["groups"], list) and d["server"]["groups"], d["server"]
                    assert isinstance(d["server"]["uptime_seconds"], int), d["server"]
                    for h in (d["headline"]["tx"], d["headline"]["rx"]):
                        assert h["carrier"] in ("kernel", "kernel_nic", "software", "mixed") and h["why"], h
                        assert h["basis"] == "now", h
                    print("ok", c["total"], ",".join(sorted(b["tx"])))
                    """), json.stdout(), 30);
            assertThat(check.exitCode()).as(check.stderr() + json.out()).isZero();
            String expected = KernelTls.isAvailable() ? "KERNEL" : "SOFTWARE";
            assertThat(check.out()).startsWith("ok").contains(expected);
        }
    }

    @Test
    void statusPageHtmlIsWellFormed() throws Exception {
        Tools.require("curl");
        Path www = Files.createDirectories(tmp.resolve("www"));
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            Proc html = Proc.run(List.of("curl", "-sS", "--cacert", s.certificate.toString(), "-D", "-",
                    s.url("/_ktls/status")));
            String all = html.out();
            assertThat(all).contains("Content-Type: text/html; charset=utf-8");
            String body = all.substring(all.indexOf("\r\n\r\n") + 4);
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
            assertThat(doc.getElementsByTagName("h2").getLength()).isGreaterThanOrEqualTo(6);
            assertThat(doc.getElementsByTagName("title").item(0).getTextContent()).isEqualTo("ktls status");
        }
    }

    @Test
    void kernelBackendWithoutKtlsExitsWith3() {
        assumeTrue(!KernelTls.isAvailable(), "this kernel has kTLS");
        Cli r = Cli.run("serve", tmp.toString(), "--port", "0", "--state-dir", tmp.resolve("state").toString(),
                "--backend", "kernel");
        assertThat(r.exitCode()).isEqualTo(3);
        var cause = KernelTls.unavailabilityCause();
        assertThat(r.err()).isEqualTo("ktls serve: --backend kernel: "
                + cause.getMessage().substring(cause.errno().name().length() + 2) + "\n");
        if (!io.ktls4j.linux.KernelFeature.ULP.isNewerThanRunningKernel()) {
            assertThat(r.err()).as("this kernel is not too old: it lacks the build or the module")
                    .doesNotContain("needs Linux").contains("not available in this kernel");
        }
        assertThat(Cli.run("bench", "--backend", "kernel").exitCode()).isEqualTo(3);
    }

    @Test
    void kernelBackendWithKtlsServesOnTheKernel() throws Exception {
        assumeTrue(KernelTls.isAvailable(), "this kernel has no kTLS");
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--backend", "kernel")) {
            Cli r = Cli.run("get", s.url("/a.txt"), "-o", tmp.resolve("a").toString(), "--cacert",
                    s.certificate.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            Thread.sleep(300);
            assertThat(s.log()).contains("tx=KERNEL");
        }
    }

    /** {@code ./ktls serve} in a git checkout: .git/config (remote URLs, sometimes with tokens) is not served. */
    @Test
    void inAGitCheckoutGitConfigIs404UnlessDotfilesAreAllowed() throws Exception {
        Tools.require("curl");
        Path www = Files.createDirectories(tmp.resolve("checkout"));
        Files.createDirectories(www.resolve(".git"));
        Files.writeString(www.resolve(".git/config"), "[remote \"origin\"]\n\turl = https://token@example.org/r\n");
        Files.writeString(www.resolve("README.md"), "readme\n");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            assertThat(curlStatus(s, "/.git/config")).isEqualTo("404");
            assertThat(curlStatus(s, "/README.md")).isEqualTo("200");
            Proc listing = Proc.run(List.of("curl", "-sS", "--cacert", s.certificate.toString(), s.url("/")));
            assertThat(listing.out()).contains("README.md").doesNotContain(".git");
        }
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet", "--dotfiles", "allow")) {
            assertThat(curlStatus(s, "/.git/config")).isEqualTo("200");
        }
    }

    /** What a browser or a caching proxy sees: ETag, a 304 for If-None-Match, and the Cache-Control asked for. */
    @Test
    void etagRevalidatesTo304AndCacheControlIsSent() throws Exception {
        Tools.require("curl");
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet",
                "--cache-control", "public, max-age=3600")) {
            Proc head = Proc.run(List.of("curl", "-sS", "-I", "--cacert", s.certificate.toString(), s.url("/a.txt")));
            assertThat(head.out()).contains("Cache-Control: public, max-age=3600\r\n")
                    .containsPattern("ETag: \"[0-9a-f]+-1\"\r\n");
            String etag = head.out().lines().filter(l -> l.startsWith("ETag: ")).findFirst().orElseThrow()
                    .substring(6);
            Proc again = Proc.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                    "If-None-Match: " + etag, "--cacert", s.certificate.toString(), s.url("/a.txt")));
            assertThat(again.out()).isEqualTo("304");
        }
    }

    /** curl --compressed gets the .gz sibling and decodes it to the file's content. */
    @Test
    void curlCompressedGetsTheGzipSibling() throws Exception {
        Tools.require("curl");
        Path www = Files.createDirectories(tmp.resolve("www"));
        String text = "hello ".repeat(1000);
        Files.writeString(www.resolve("a.txt"), text);
        var gz = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        }
        Files.write(www.resolve("a.txt.gz"), gz.toByteArray());
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            Proc p = Proc.run(List.of("curl", "-sS", "--compressed", "-D", "-", "-w", "\n%{size_download}",
                    "--cacert", s.certificate.toString(), s.url("/a.txt")));
            assertThat(p.exitCode()).as(p.stderr()).isZero();
            assertThat(p.out()).contains("Content-Encoding: gzip\r\n").contains("Vary: Accept-Encoding\r\n")
                    .contains(text).endsWith("\n" + gz.size());
        }
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet", "--precompressed", "off")) {
            Proc p = Proc.run(List.of("curl", "-sS", "--compressed", "-D", "-", "--cacert",
                    s.certificate.toString(), s.url("/a.txt")));
            assertThat(p.out()).doesNotContain("Content-Encoding").contains(text);
        }
    }

    private static String curlStatus(RunningServer s, String path) throws Exception {
        Proc p = Proc.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
                s.certificate.toString(), s.url(path)));
        assertThat(p.exitCode()).as(p.stderr()).isZero();
        return p.out();
    }

    @Test
    void softwareBackendIsUsedWhenAskedFor() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--backend", "software")) {
            Cli r = Cli.run("get", s.url("/a.txt"), "-o", tmp.resolve("a").toString(), "--cacert",
                    s.certificate.toString(), "--backend", "software");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.err()).contains("tx=SOFTWARE rx=SOFTWARE");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!s.log().contains("requests=1") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(s.log()).contains("tx=SOFTWARE rx=SOFTWARE requests=1");
        }
    }

    @Test
    void onlyTheChosenVersionAndSuiteAreNegotiated() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet", "--tls", "1.2",
                "--ciphers", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")) {
            Cli ok = Cli.run("get", s.url("/a.txt"), "-o", tmp.resolve("a").toString(), "--cacert",
                    s.certificate.toString());
            assertThat(ok.err()).contains("TLSv1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
            Cli only13 = Cli.run("get", s.url("/a.txt"), "-o", tmp.resolve("b").toString(), "--cacert",
                    s.certificate.toString(), "--tls", "1.3");
            assertThat(only13.exitCode()).isEqualTo(1);
        }
    }

    @Test
    void clientThatNeverFinishesItsTlsRecordIsCutOffAfterTheHandshakeTimeout() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--handshake-timeout", "2")) {
            // warm up first: a cold JVM's first handshake can itself take a second on a busy machine
            assertThat(Cli.run("get", s.url("/a.txt"), "-o", tmp.resolve("w").toString(), "--cacert",
                    s.certificate.toString()).exitCode()).isZero();
            checkSlowTlsClient(s);
        }
    }

    private void checkSlowTlsClient(RunningServer s) throws Exception {
        try (var slow = java.nio.channels.SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", s.port))) {
            long t0 = System.nanoTime();
            slow.write(java.nio.ByteBuffer.wrap(new byte[] {22, 3, 1, 0, 100, 1}));
            // a well-behaved client is served meanwhile
            Cli ok = Cli.run("get", s.url("/a.txt"), "-o", tmp.resolve("a").toString(), "--cacert",
                    s.certificate.toString());
            assertThat(ok.exitCode()).as(ok.err()).isZero();
            int n = slow.read(java.nio.ByteBuffer.allocate(1024));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(n).isEqualTo(-1);
            assertThat(ms).isBetween(1900L, 8000L);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!s.log().contains("handshake-failed") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(s.log()).contains("handshake-failed").doesNotContain("\tat ");
        }
    }

    /**
     * A TLS client that asks for a large file and never reads: the send timeout closes the connection (the software
     * record layer's blocked sender must not keep the closer waiting), the slot is freed, others are served.
     */
    @Test
    void clientThatStopsReadingIsCutOffAfterTheSendTimeoutOnTheSoftwareRecordLayer() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        try (var f = new java.io.RandomAccessFile(www.resolve("big.bin").toFile(), "rw")) {
            f.setLength(256L << 20);
        }
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--backend", "software",
                "--send-timeout", "1", "--max-connections", "2")) {
            io.ktls4j.handshake.KtlsContext client = io.ktls4j.handshake.KtlsContext.forClient()
                    .trustManager(s.certificate).backend(new io.ktls4j.sw.SoftwareBackend()).build();
            var channel = java.nio.channels.SocketChannel.open();
            channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 16384);
            channel.connect(new java.net.InetSocketAddress("127.0.0.1", s.port));
            try (var stalled = client.connect(channel, "localhost")) {
                long t0 = System.nanoTime();
                stalled.write(java.nio.ByteBuffer.wrap(
                        "GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!s.log().contains("the send timed out") && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(s.log()).as("the stalled connection's log line").contains("the send timed out");
                assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1000L);
                // both slots are free again: two more clients are served at once
                for (int i = 0; i < 2; i++) {
                    Cli ok = Cli.run("get", s.url("/a.txt"), "-o", tmp.resolve("a" + i).toString(), "--cacert",
                            s.certificate.toString());
                    assertThat(ok.exitCode()).as(ok.err()).isZero();
                }
            }
        }
    }

    /**
     * {@code --agent}: the same server with the handshakes in the agent. Where the kernel has no kTLS the agent
     * returns the session keys (allow-software-return) and this process carries them on the software record layer.
     */
    @Test
    void withTheAgentTheHandshakesRunThereAndThisProcessHasNoCertificate() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        SelfSignedCertificate cert = SelfSignedCertificate.loadOrCreate(tmp.resolve("agent-state"));
        Path config = Files.writeString(tmp.resolve("agent.conf"), """
                [credential default]
                certificate = %s
                key = %s
                allow-software-return = true
                """.formatted(cert.certificate(), cert.privateKey()));
        try (AgentDaemon agent = AgentDaemon.start(tmp.resolve("agent.sock"),
                AgentDaemon.Options.defaults().config(config).log(line -> { }));
             RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--agent",
                     agent.socketPath().toString())) {
            assertThat(s.out.toString()).contains("TLS handshakes by the agent at " + agent.socketPath())
                    .contains("no key in this process").doesNotContain("certificate:");
            assertThat(s.certificate).isNull();
            Cli get = Cli.run("get", s.url("/a.txt"), "-o", tmp.resolve("a").toString(), "--cacert",
                    cert.certificate().toString());
            assertThat(get.exitCode()).as(get.err()).isZero();
            Cli stat = Cli.run("stat", "--json", "--url", s.url("/"), "--cacert", cert.certificate().toString());
            assertThat(stat.exitCode()).as(stat.err()).isZero();
            assertThat(stat.out()).contains("\"handshake_agent\": \"" + agent.socketPath() + "\"")
                    .doesNotContain("backend_policy");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!s.log().contains("(agent)") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(s.log()).contains("(agent) requests=1");
        }
    }

    /**
     * {@code --agent} with an agent that will refuse every handshake (here: no kTLS on this kernel and a credential
     * that does not allow a software return, the agent's default): serve refuses to start, in one line that says why
     * and what to do, instead of saying it is ready and then resetting every client.
     */
    @Test
    void anAgentThatRefusesEveryHandshakeKeepsServeFromStarting() throws Exception {
        assumeTrue(!KernelTls.isAvailable(), "this kernel has kTLS, so the agent's default credential is usable");
        Files.createDirectories(tmp.resolve("www"));
        SelfSignedCertificate cert = SelfSignedCertificate.loadOrCreate(tmp.resolve("agent-state"));
        Path config = Files.writeString(tmp.resolve("agent.conf"), """
                [credential default]
                certificate = %s
                key = %s
                """.formatted(cert.certificate(), cert.privateKey()));
        try (AgentDaemon agent = AgentDaemon.start(tmp.resolve("agent.sock"),
                AgentDaemon.Options.defaults().config(config).log(line -> { }))) {
            var run = java.util.concurrent.CompletableFuture.supplyAsync(() -> Cli.run("serve",
                    tmp.resolve("www").toString(), "--port", "0", "--state-dir", tmp.resolve("state").toString(),
                    "--agent", agent.socketPath().toString()));
            Cli serve = run.get(Patience.millis(60_000), java.util.concurrent.TimeUnit.MILLISECONDS);
            assertThat(serve.exitCode()).as(serve.out() + serve.err()).isEqualTo(1);
            assertThat(serve.err().strip()).isEqualTo("ktls serve: the agent at " + agent.socketPath()
                    + " refuses every handshake of this server: KTLS_UNAVAILABLE (" + AgentStatus.KTLS_UNAVAILABLE
                    .meaning() + "); the agent's kernel has no kTLS: run it on a kernel with kTLS, set "
                    + "allow-software-return = true on its credential (docs/AGENT.md), or serve without --agent");
            assertThat(serve.out()).as("no banner: the server never said it was ready").isEmpty();
        }
    }

    @Test
    void usageErrors() {
        String state = tmp.resolve("state").toString();
        assertThat(Cli.run("serve", tmp.toString(), "--cert", "/x.pem", "--state-dir", state).exitCode()).isEqualTo(2);
        assertThat(Cli.run("serve", tmp.resolve("missing").toString(), "--state-dir", state).exitCode()).isEqualTo(2);
        assertThat(Cli.run("serve", tmp.toString(), "--backend", "gpu", "--state-dir", state).exitCode()).isEqualTo(2);
        assertThat(Cli.run("serve", tmp.toString(), "--tls", "1.0", "--state-dir", state).exitCode()).isEqualTo(2);
        assertThat(Cli.run("serve", tmp.toString(), "--client-auth", "require", "--state-dir", state).exitCode())
                .isEqualTo(2);
        assertThat(Cli.run("serve", tmp.toString(), "--port", "x").exitCode()).isEqualTo(2);
        assertThat(Cli.run("serve", tmp.toString(), "--dotfiles", "maybe", "--state-dir", state).exitCode())
                .isEqualTo(2);
        assertThat(Cli.run("serve", tmp.toString(), "--cache-control", " ", "--state-dir", state).exitCode())
                .isEqualTo(2);
    }
}
