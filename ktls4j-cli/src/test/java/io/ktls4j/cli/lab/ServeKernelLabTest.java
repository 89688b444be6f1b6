package io.ktls4j.cli.lab;

import io.ktls4j.testkit.Patience;
import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.testkit.JsonReader;
import io.ktls4j.testkit.StraceLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 5, "the ktls command", in the kernel lab: {@code ktls serve DIR --backend kernel} runs as its own JVM under
 * {@code strace}, and curl (OpenSSL) in the same machine downloads files from it over loopback. Each case checks
 * the file arrived intact, that {@code /proc/net/tls_stat} counted exactly the sessions the case opened (and that
 * they are closed again), that the status page reports every connection in the kernel per direction, and that the
 * body went out with {@code sendfile(2)}: the sendfile calls in the case's part of the strace log add up to
 * exactly the body bytes, while {@code write}/{@code sendmsg}/{@code sendto}/{@code writev} carry only heads,
 * handshakes and alerts (less than one 64 KiB copy chunk).
 *
 * <p>Skips on a kernel without kTLS (the host), unless {@code KTLS4J_REQUIRE_KERNEL=1} (the lab) makes that a
 * failure; in the lab a missing curl or strace is a failure too.
 */
@Tag(LabTags.KERNEL_FIRST)
class ServeKernelLabTest {
    private static final int BIG = 4 << 20;
    private static final int ONE = 1 << 20;
    /** write/sendmsg bytes a case may carry besides the body: heads, handshakes, alerts, status JSON, log lines. */
    private static final long NON_BODY_LIMIT = 64 << 10;
    private static final boolean REQUIRED = "1".equals(System.getenv("KTLS4J_REQUIRE_KERNEL"))
            || "1".equals(System.getenv("KTLS4J_IN_LAB"));
    private static final Pattern URL = Pattern.compile("on https://localhost:(\\d+)/");
    private static final Pattern CERT = Pattern.compile("certificate: (\\S+)");

    /** What curl negotiates: versions and suites the lab kernel carries, with the OpenSSL names curl reports. */
    enum Case {
        TLS13_AES_128_GCM("TLSv1.3", "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256",
                "--tlsv1.3", "--tls-max", "1.3", "--tls13-ciphers", "TLS_AES_128_GCM_SHA256"),
        TLS13_CHACHA20("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
                "--tlsv1.3", "--tls-max", "1.3", "--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256"),
        TLS12_ECDHE_ECDSA_AES_256_GCM("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "ECDHE-ECDSA-AES256-GCM-SHA384",
                "--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384");

        final String version;
        final String iana;
        final String openssl;
        final List<String> curlArgs;

        Case(String version, String iana, String openssl, String... curlArgs) {
            this.version = version;
            this.iana = iana;
            this.openssl = openssl;
            this.curlArgs = List.of(curlArgs);
        }
    }

    /**
     * Keep-alive and Range: TLS 1.3 AES-256-GCM, a suite no {@link Case} uses (the server picks the suite by its
     * own preference, so curl's default would count towards a case's suite on the status page).
     */
    private static final List<String> OTHER_SUITE = List.of("--tlsv1.3", "--tls-max", "1.3", "--tls13-ciphers",
            "TLS_AES_256_GCM_SHA384");

    @TempDir
    static Path tmp;
    private static String skipReason;
    private static Path www;
    private static Path straceLog;
    private static Path serverOut;
    private static Path serverErr;
    private static Process strace;
    private static int port;
    private static Path cert;

    @BeforeAll
    static void startServerUnderStrace() throws Exception {
        if (!KernelTls.isAvailable()) {
            assertThat(REQUIRED).as("KTLS4J_REQUIRE_KERNEL=1 but: %s", KernelTls.unavailabilityCause().getMessage())
                    .isFalse();
            skip("no kTLS in this kernel (" + KernelTls.unavailabilityCause().errno() + "); runs in the kernel lab");
            return;
        }
        for (String tool : List.of("curl", "strace")) {
            if (!onPath(tool)) {
                assertThat(REQUIRED).as("%s is not installed (apt-get install %s); the kernel lab needs it", tool, tool)
                        .isFalse();
                skip(tool + " is not installed");
                return;
            }
        }
        www = Files.createDirectories(tmp.resolve("www"));
        randomFile(www.resolve("big.bin"), BIG, 1);
        randomFile(www.resolve("one.bin"), ONE, 2);
        randomFile(www.resolve("two.bin"), ONE, 3);
        straceLog = tmp.resolve("strace.log");
        serverOut = tmp.resolve("serve.out");
        serverErr = tmp.resolve("serve.err");
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "--seccomp-bpf", "-qq",
                "-e", "trace=sendfile,sendmsg,sendto,write,writev", "-o", straceLog.toString()));
        // C1 only and the serial GC: a shorter start-up under emulation (17 s instead of 25 s, measured once)
        cmd.addAll(io.ktls4j.testkit.JavaProcess.command(io.ktls4j.cli.Main.class, "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx256m"));
        // a cold handshake (first TLS 1.3, first TLS 1.2) takes up to ~10 s under emulation: the default limit
        cmd.addAll(List.of("serve", www.toString(), "--backend", "kernel", "--port", "0", "--handshake-timeout",
                Long.toString(Patience.of(java.time.Duration.ofSeconds(60)).toSeconds()),
                "--state-dir", tmp.resolve("state").toString()));
        long started = System.nanoTime();
        strace = new ProcessBuilder(cmd).redirectOutput(serverOut.toFile()).redirectError(serverErr.toFile()).start();
        strace.getOutputStream().close();
        java.time.Duration patience = Patience.of(java.time.Duration.ofSeconds(300));
        long deadline = System.nanoTime() + patience.toNanos();
        String banner = "";
        while (!banner.contains("status:")) {
            if (!strace.isAlive() || System.nanoTime() > deadline) {
                fail("ktls serve did not start within " + patience.toSeconds() + " s (alive: " + strace.isAlive()
                        + "):\n" + banner + Files.readString(serverErr));
            }
            Thread.sleep(200);
            banner = Files.readString(serverOut);
        }
        assertThat(banner).as("the banner").contains("backend kernel (kTLS available)");
        Matcher m = URL.matcher(banner);
        Matcher c = CERT.matcher(banner);
        assertThat(m.find() && c.find()).as("port and certificate in the banner:\n%s", banner).isTrue();
        port = Integer.parseInt(m.group(1));
        cert = Path.of(c.group(1));
        System.out.printf("ServeKernelLabTest: ktls serve under strace listened after %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    private static void skip(String reason) {
        skipReason = reason;
        System.out.println("ServeKernelLabTest skipped: " + reason);
    }

    @BeforeEach
    void skipWithoutKernelTls() {
        assumeTrue(skipReason == null, skipReason);
    }

    /** SIGTERM to the JVM under strace (strace itself blocks fatal signals while it runs a command). */
    @AfterAll
    static void stopServer() throws Exception {
        if (strace == null) {
            return;
        }
        strace.descendants().forEach(ProcessHandle::destroy);
        if (!strace.waitFor(60, TimeUnit.SECONDS)) {
            strace.descendants().forEach(ProcessHandle::destroyForcibly);
            strace.destroyForcibly().waitFor();
        }
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void curl_downloads_a_file_sent_with_sendfile_with_both_directions_in_the_kernel(Case c) throws Exception {
        Window w = new Window();
        Path got = tmp.resolve("got-" + c);
        Curl r = curl(c.curlArgs, "-v", "-o", got.toString(), "-w", "%{http_code} %{num_connects}", url("/big.bin"));
        assertThat(r.out).isEqualTo("200 1");
        assertThat(r.err).contains("SSL connection using " + c.version + " / " + c.openssl);
        assertThat(sha256(got)).as("the file, intact").isEqualTo(sha256(www.resolve("big.bin")));

        Map<String, Object> status = status(c);
        long connections = number(status, "connections", "total");
        for (String dir : List.of("tx", "rx")) {
            Map<String, Object> backends = map(status, "backends", dir);
            assertThat(backends.keySet()).as("%s backends on the status page: %s", dir, backends)
                    .containsExactly("KERNEL_SW");
            assertThat(number(backends, "KERNEL_SW", "total")).as("%s: every connection so far", dir)
                    .isEqualTo(connections);
            assertThat(number(backends, "KERNEL_SW", "now")).as("%s: the status connection itself", dir).isOne();
        }
        // only this case uses its suite: the download and the status request
        assertThat(number(status, "cipher_suites", c.iana)).as("cipher_suites: %s", map(status, "cipher_suites"))
                .isEqualTo(2);
        assertThat(number(status, "versions", c.version)).isPositive();
        assertThat(number(status, "fallbacks", "total")).isZero();
        assertThat(string(status, "server", "backend_policy")).isEqualTo("kernel");
        assertThat(number(status, "tls_stat", "kernel", "counters", "TlsCurrTxSw"))
                .as("kernel TX sessions while the status page was served").isPositive();
        assertThat(number(status, "tls_stat", "kernel", "counters", "TlsCurrRxSw")).isPositive();

        w.assertSessions(2);
        String line = w.awaitServerLog(l -> outBytes(l) >= BIG);
        System.out.println("ServeKernelLabTest: server log: " + line);
        assertThat(line).as("the download's connection log line")
                .contains(" " + c.version + " " + c.iana + " X25519 tx=KERNEL_SW rx=KERNEL_SW requests=1 "); // curl: OpenSSL 3.0, no hybrid
        assertThat(outBytes(line)).as("bytes out: the file and one response head").isBetween((long) BIG, BIG + 1024L);
        w.assertBodyWentOutWithSendfile(BIG);
    }

    @Test
    void keep_alive_several_requests_on_one_kernel_tls_connection() throws Exception {
        Window w = new Window();
        Path a = tmp.resolve("ka-a");
        Path b = tmp.resolve("ka-b");
        Path c = tmp.resolve("ka-c");
        Curl r = curl(OTHER_SUITE, "-w", "%{http_code} %{num_connects} %{time_starttransfer} %{time_total};",
                "-o", a.toString(), url("/one.bin"), "-o", b.toString(), url("/two.bin"),
                "-o", c.toString(), url("/one.bin"));
        System.out.println("ServeKernelLabTest: curl keep-alive: code, connects, first byte and total seconds: " + r.out);
        assertThat(r.out.replaceAll(" [0-9.]+ [0-9.]+;", ";")).as("status and new connections per transfer")
                .isEqualTo("200 1;200 0;200 0;");
        assertThat(sha256(a)).isEqualTo(sha256(www.resolve("one.bin")));
        assertThat(sha256(b)).isEqualTo(sha256(www.resolve("two.bin")));
        assertThat(sha256(c)).isEqualTo(sha256(www.resolve("one.bin")));
        w.assertSessions(1);
        String line = w.awaitServerLog(l -> l.contains(" requests="));
        System.out.println("ServeKernelLabTest: server log: " + line);
        assertThat(line).as("the one connection's log line").contains(" TLSv1.3 TLS_AES_256_GCM_SHA384 X25519 tx=KERNEL_SW rx=KERNEL_SW requests=3 ");
        w.assertBodyWentOutWithSendfile(3L * ONE);
    }

    @Test
    void range_request_sends_the_slice_with_sendfile_from_its_offset() throws Exception {
        Window w = new Window();
        Path got = tmp.resolve("range");
        Path head = tmp.resolve("range-head");
        int first = 1_000_000;
        int last = 2_999_999;
        Curl r = curl(OTHER_SUITE, "-r", first + "-" + last, "-D", head.toString(), "-o", got.toString(),
                "-w", "%{http_code}", url("/big.bin"));
        assertThat(r.out).isEqualTo("206");
        assertThat(Files.readString(head)).containsIgnoringCase("Content-Range: bytes " + first + "-" + last + "/" + BIG);
        byte[] all = Files.readAllBytes(www.resolve("big.bin"));
        assertThat(Files.readAllBytes(got)).as("the slice, intact")
                .isEqualTo(java.util.Arrays.copyOfRange(all, first, last + 1));
        w.assertSessions(1);
        List<StraceLog.Call> sendfiles = w.syscalls().stream().filter(s -> s.name().equals("sendfile")).toList();
        assertThat(sendfiles).isNotEmpty();
        assertThat(sendfiles.getFirst().offset()).as("the first sendfile's file offset").isEqualTo(first);
        w.assertBodyWentOutWithSendfile(last - first + 1);
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * One case's share of the evidence: the tls_stat counters and the strace log lines from its start, read once
     * its sessions are closed (strace writes a line when the call returns, before the server closes the socket).
     */
    private static final class Window {
        final TlsStatistics before = KernelTls.statistics();
        final int straceLines = completeLines(straceLog).size();
        final int logLines = completeLines(serverErr).size();
        private List<StraceLog.Call> syscalls;

        Window() throws IOException {
        }

        /**
         * Exactly {@code n} kernel TLS sessions each way were opened by the case and all are closed again; the
         * server logged no failed handshake.
         */
        void assertSessions(int n) throws Exception {
            long deadline = System.nanoTime() + Patience.of(java.time.Duration.ofSeconds(60)).toNanos();
            TlsStatistics now = KernelTls.statistics();
            while ((now.get(TlsStat.TlsCurrTxSw) > before.get(TlsStat.TlsCurrTxSw)
                    || now.get(TlsStat.TlsCurrRxSw) > before.get(TlsStat.TlsCurrRxSw)) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                now = KernelTls.statistics();
            }
            assertThat(now.get(TlsStat.TlsCurrTxSw)).as("TlsCurrTxSw back to its value before the case:\n%s", now)
                    .isEqualTo(before.get(TlsStat.TlsCurrTxSw));
            assertThat(now.get(TlsStat.TlsCurrRxSw)).as("TlsCurrRxSw back").isEqualTo(before.get(TlsStat.TlsCurrRxSw));
            assertThat(now.get(TlsStat.TlsTxSw) - before.get(TlsStat.TlsTxSw)).as("TlsTxSw: sessions with TX in the kernel")
                    .isEqualTo(n);
            assertThat(now.get(TlsStat.TlsRxSw) - before.get(TlsStat.TlsRxSw)).as("TlsRxSw: sessions with RX in the kernel")
                    .isEqualTo(n);
            assertThat(now.get(TlsStat.TlsDecryptError)).isEqualTo(before.get(TlsStat.TlsDecryptError));
            List<String> log = completeLines(serverErr);
            assertThat(log.subList(Math.min(logLines, log.size()), log.size())).as("the server's log in this case")
                    .noneMatch(l -> l.contains(" handshake-failed "));
        }

        /** The first of the server's connection log lines since the case began that matches (waits up to 60 s, scaled). */
        String awaitServerLog(java.util.function.Predicate<String> match) throws Exception {
            long deadline = System.nanoTime() + Patience.of(java.time.Duration.ofSeconds(60)).toNanos();
            while (true) {
                List<String> lines = completeLines(serverErr);
                lines = lines.subList(Math.min(logLines, lines.size()), lines.size());
                var found = lines.stream().filter(match).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                if (System.nanoTime() > deadline) {
                    return fail("no matching line in the server's log since the case began:\n" + String.join("\n", lines));
                }
                Thread.sleep(100);
            }
        }

        List<StraceLog.Call> syscalls() throws IOException {
            if (syscalls == null) {
                List<String> lines = completeLines(straceLog);
                syscalls = StraceLog.parse(lines.subList(straceLines, lines.size()));
            }
            return syscalls;
        }

        /** sendfile carried exactly {@code body} bytes; the copying calls carried less than one copy chunk. */
        void assertBodyWentOutWithSendfile(long body) throws IOException {
            List<StraceLog.Call> calls = syscalls();
            String log = String.join("\n", calls.stream().map(s -> s.line()).toList());
            long bySendfile = calls.stream().filter(s -> s.name().equals("sendfile") && s.result() > 0)
                    .mapToLong(s -> s.result()).sum();
            long byCopies = calls.stream().filter(s -> !s.name().equals("sendfile") && s.result() > 0)
                    .mapToLong(s -> s.result()).sum();
            System.out.printf("ServeKernelLabTest: %d body bytes, sendfile %d bytes in %d calls, write/sendmsg %d "
                    + "bytes%n", body, bySendfile, calls.stream().filter(s -> s.name().equals("sendfile")).count(),
                    byCopies);
            assertThat(bySendfile).as("bytes sendfile returned in this case; strace:\n%s", log).isEqualTo(body);
            assertThat(byCopies).as("bytes write/sendmsg/sendto/writev returned in this case (not the body); "
                    + "strace:\n%s", log).isLessThan(NON_BODY_LIMIT);
        }
    }

    private record Curl(String out, String err) {
    }

    /** curl with the server's certificate as the only trust anchor, against 127.0.0.1 named localhost. */
    private static Curl curl(List<String> tlsArgs, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "120", "--cacert", cert.toString()));
        cmd.addAll(tlsArgs);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t1 = Thread.ofPlatform().start(() -> copy(p.getInputStream(), out));
        Thread t2 = Thread.ofPlatform().start(() -> copy(p.getErrorStream(), err));
        if (!p.waitFor(Patience.millis(180_000), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail("curl did not finish within 180 s: " + cmd);
        }
        t1.join();
        t2.join();
        Curl r = new Curl(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertThat(p.exitValue()).as("curl exit code; stderr:\n%s\nserver log:\n%s", r.err,
                Files.readString(serverErr)).isZero();
        return r;
    }

    private static Map<String, Object> status(Case c) throws Exception {
        Curl r = curl(c.curlArgs, "-H", "Accept: application/json", url("/_ktls/status"));
        Object json = JsonReader.parse(r.out);
        assertThat(json).as("status JSON").isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) json;
        return m;
    }

    private static String url(String path) {
        return "https://localhost:" + port + path;
    }

    /** The value at {@code path} in nested maps, or an empty map where the path is missing. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> json, String... path) {
        Object v = json;
        for (String p : path) {
            v = v instanceof Map<?, ?> m ? m.get(p) : null;
        }
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** A number at {@code path}; 0 where the path is missing (a counter that has not started). */
    private static long number(Map<String, Object> json, String... path) {
        Object v = json;
        for (String p : path) {
            v = v instanceof Map<?, ?> m ? m.get(p) : null;
        }
        if (v == null) {
            return 0;
        }
        assertThat(v).as("%s in the status JSON", String.join(".", path)).isInstanceOf(Long.class);
        return (Long) v;
    }

    private static String string(Map<String, Object> json, String... path) {
        Object v = json;
        for (String p : path) {
            v = v instanceof Map<?, ?> m ? m.get(p) : null;
        }
        return String.valueOf(v);
    }

    /** The bytes a connection log line says went out, -1 for other lines. */
    private static long outBytes(String logLine) {
        Matcher m = Pattern.compile(" out=(\\d+) ").matcher(logLine);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static List<String> completeLines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String s = Files.readString(file, StandardCharsets.ISO_8859_1);
        int end = s.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(s.substring(0, end).split("\n", -1));
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void randomFile(Path file, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        Files.write(file, b);
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // the process ended
        }
    }
}
