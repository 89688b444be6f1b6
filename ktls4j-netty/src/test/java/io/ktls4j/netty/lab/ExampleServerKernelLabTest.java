package io.ktls4j.netty.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.StraceLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 11 in the kernel lab: the example server ({@code io.ktls4j.netty.example.StaticFileServer}, KtlsHandler on
 * epoll, {@code --backend kernel_required}) runs as its own JVM under {@code strace}, and curl in the same machine
 * downloads from it. Each case checks the file arrived intact, that TX was in the kernel and RX in the pipeline (the
 * server's handshake log line, and {@code /proc/net/tls_stat}: one TX session per connection, no RX session, all
 * closed again), and that the body went out with {@code sendfile(2)}: the sendfile calls of the case add up to
 * exactly the body bytes, while {@code write}/{@code writev}/{@code sendmsg}/{@code sendto} carry only heads,
 * handshakes, alerts and log lines (less than 64 KiB).
 *
 * <p>Skips on a kernel without kTLS (the host), unless {@code KTLS4J_REQUIRE_KERNEL=1} (the lab) makes that a
 * failure; in the lab a missing curl, strace or openssl is a failure too.
 */
@Tag(LabTags.KERNEL)
class ExampleServerKernelLabTest {
    private static final int BIG = 4 << 20;
    private static final int ONE = 1 << 20;
    private static final long NON_BODY_LIMIT = 64 << 10;
    private static final Pattern PORT = Pattern.compile("on https://localhost:(\\d+)/");

    /** What curl negotiates: a version and suite the lab's kernels carry, with curl's arguments for it. */
    enum Case {
        TLS13_AES_128_GCM("TLSv1.3", "TLS_AES_128_GCM_SHA256", "--tlsv1.3", "--tls-max", "1.3", "--tls13-ciphers",
                "TLS_AES_128_GCM_SHA256"),
        TLS13_CHACHA20("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", "--tlsv1.3", "--tls-max", "1.3",
                "--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256"),
        TLS12_ECDHE_ECDSA_AES_256_GCM("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "--tlsv1.2",
                "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384");

        final String version;
        final String iana;
        final List<String> curlArgs;

        Case(String version, String iana, String... curlArgs) {
            this.version = version;
            this.iana = iana;
            this.curlArgs = List.of(curlArgs);
        }
    }

    @TempDir
    static Path tmp;
    private static String skipReason;
    private static Path www;
    private static Path cert;
    private static Path straceLog;
    private static Path serverOut;
    private static Path serverErr;
    private static Process strace;
    private static int port;

    @BeforeAll
    static void startTheExampleUnderStrace() throws Exception {
        skipReason = LabKernel.unavailable("curl", "strace", "openssl");
        if (skipReason != null) {
            System.out.println("ExampleServerKernelLabTest skipped: " + skipReason);
            return;
        }
        www = Files.createDirectories(tmp.resolve("www"));
        randomFile(www.resolve("big.bin"), BIG, 1);
        randomFile(www.resolve("one.bin"), ONE, 2);
        randomFile(www.resolve("two.bin"), ONE, 3);
        Path[] pair = LabKernel.certificate(tmp);
        cert = pair[0];
        straceLog = tmp.resolve("strace.log");
        serverOut = tmp.resolve("server.out");
        serverErr = tmp.resolve("server.err");
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "--seccomp-bpf", "-qq",
                "-e", "trace=sendfile,sendmsg,sendto,write,writev", "-o", straceLog.toString()));
        cmd.addAll(LabKernel.exampleServer());
        cmd.addAll(List.of("--root", www.toString(), "--cert",
                pair[0].toString(), "--key", pair[1].toString(), "--port", "0", "--transport", "epoll",
                "--backend", "kernel_required", "--threads", "1", "--handshake-timeout", "120", "--log"));
        long started = System.nanoTime();
        strace = new ProcessBuilder(cmd).redirectOutput(serverOut.toFile()).redirectError(serverErr.toFile()).start();
        strace.getOutputStream().close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LabKernel.WAIT_SECONDS);
        String banner = "";
        while (!PORT.matcher(banner).find()) {
            if (!strace.isAlive() || System.nanoTime() > deadline) {
                fail("the example server did not start (alive: " + strace.isAlive() + "):\n" + banner
                        + Files.readString(serverErr));
            }
            Thread.sleep(200);
            banner = Files.readString(serverOut);
        }
        assertThat(banner).as("the banner").contains("backend KERNEL_REQUIRED, kTLS available");
        Matcher m = PORT.matcher(banner);
        assertThat(m.find()).isTrue();
        port = Integer.parseInt(m.group(1));
        System.out.printf("ExampleServerKernelLabTest: the example under strace listened after %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    @BeforeEach
    void skipWithoutKernelTls() {
        assumeTrue(skipReason == null, skipReason);
    }

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
    void curlDownloadsAFileSentWithSendfileThroughKernelTx(Case c) throws Exception {
        Window w = new Window();
        Path got = tmp.resolve("got-" + c);
        Curl r = curl(c.curlArgs, "-v", "-o", got.toString(), "-w", "%{http_code} %{num_connects}", url("/big.bin"));
        assertThat(r.out).isEqualTo("200 1");
        assertThat(r.err).contains("SSL connection using " + c.version);
        assertThat(Files.readAllBytes(got)).as("the file, intact")
                .isEqualTo(Files.readAllBytes(www.resolve("big.bin")));
        w.assertSessions(1);
        String line = w.awaitLog(l -> l.startsWith("handshake "));
        assertThat(line).as("the server's handshake line").contains(c.version + " " + c.iana)
                .contains("tx=KERNEL_SW (the kernel accepted TX").contains("rx=SOFTWARE (");
        w.assertBodyWentOutWithSendfile(BIG);
    }

    @Test
    void keepAliveSeveralRequestsOnOneConnection() throws Exception {
        Window w = new Window();
        Path a = tmp.resolve("ka-a");
        Path b = tmp.resolve("ka-b");
        Path c = tmp.resolve("ka-c");
        Curl r = curl(Case.TLS13_AES_128_GCM.curlArgs, "-w", "%{http_code} %{num_connects};", "-o", a.toString(),
                url("/one.bin"), "-o", b.toString(), url("/two.bin"), "-o", c.toString(), url("/one.bin"));
        assertThat(r.out).isEqualTo("200 1;200 0;200 0;");
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(www.resolve("one.bin")));
        assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(www.resolve("two.bin")));
        assertThat(Files.readAllBytes(c)).isEqualTo(Files.readAllBytes(www.resolve("one.bin")));
        w.assertSessions(1);
        w.assertBodyWentOutWithSendfile(3L * ONE);
    }

    @Test
    void aRangeIsSentWithSendfileFromItsOffset() throws Exception {
        Window w = new Window();
        Path got = tmp.resolve("range");
        int first = 1_000_000;
        int last = 2_999_999;
        Curl r = curl(Case.TLS13_AES_128_GCM.curlArgs, "-r", first + "-" + last, "-o", got.toString(),
                "-w", "%{http_code}", url("/big.bin"));
        assertThat(r.out).isEqualTo("206");
        assertThat(Files.readAllBytes(got)).as("the slice, intact")
                .isEqualTo(Arrays.copyOfRange(Files.readAllBytes(www.resolve("big.bin")), first, last + 1));
        w.assertSessions(1);
        List<StraceLog.Call> sendfiles = w.syscalls().stream().filter(s -> s.name().equals("sendfile")).toList();
        assertThat(sendfiles).isNotEmpty();
        assertThat(sendfiles.getFirst().offset()).as("the first sendfile's file offset").isEqualTo(first);
        w.assertBodyWentOutWithSendfile(last - first + 1);
    }

    /** One case's share of the evidence: tls_stat, the strace log and the server's output from its start. */
    private static final class Window {
        final TlsStatistics before = KernelTls.statistics();
        final int straceLines = LabKernel.completeLines(straceLog).size();
        final int logLines = LabKernel.completeLines(serverOut).size();
        private List<StraceLog.Call> syscalls;

        Window() throws IOException {
        }

        /** {@code n} sessions with TX in the kernel were opened and are closed again; none with RX in the kernel. */
        void assertSessions(int n) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LabKernel.WAIT_SECONDS);
            TlsStatistics now = KernelTls.statistics();
            while (now.get(TlsStat.TlsCurrTxSw) > before.get(TlsStat.TlsCurrTxSw) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                now = KernelTls.statistics();
            }
            assertThat(now.get(TlsStat.TlsCurrTxSw)).as("TlsCurrTxSw back to its value before the case:\n%s", now)
                    .isEqualTo(before.get(TlsStat.TlsCurrTxSw));
            assertThat(now.get(TlsStat.TlsTxSw) - before.get(TlsStat.TlsTxSw)).as("TlsTxSw: sessions with TX in the "
                    + "kernel").isEqualTo(n);
            assertThat(now.get(TlsStat.TlsRxSw) - before.get(TlsStat.TlsRxSw)).as("TlsRxSw: RX stays in the pipeline")
                    .isZero();
            assertThat(now.get(TlsStat.TlsDecryptError)).isEqualTo(before.get(TlsStat.TlsDecryptError));
            assertThat(LabKernel.completeLines(serverOut).stream().skip(logLines))
                    .as("the server's output in this case").noneMatch(l -> l.contains("failed"));
        }

        String awaitLog(java.util.function.Predicate<String> match) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LabKernel.WAIT_SECONDS);
            while (true) {
                List<String> lines = LabKernel.completeLines(serverOut);
                lines = lines.subList(Math.min(logLines, lines.size()), lines.size());
                var found = lines.stream().filter(match).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                if (System.nanoTime() > deadline) {
                    return fail("no matching line in the server's output since the case began:\n"
                            + String.join("\n", lines));
                }
                Thread.sleep(100);
            }
        }

        List<StraceLog.Call> syscalls() throws IOException {
            if (syscalls == null) {
                List<String> lines = LabKernel.completeLines(straceLog);
                syscalls = StraceLog.parse(lines.subList(straceLines, lines.size()));
            }
            return syscalls;
        }

        /** sendfile carried exactly {@code body} bytes; the copying calls carried less than 64 KiB. */
        void assertBodyWentOutWithSendfile(long body) throws IOException {
            List<StraceLog.Call> calls = syscalls();
            String log = String.join("\n", calls.stream().map(StraceLog.Call::line).toList());
            long bySendfile = calls.stream().filter(s -> s.name().equals("sendfile") && s.result() > 0)
                    .mapToLong(StraceLog.Call::result).sum();
            long byCopies = calls.stream().filter(s -> !s.name().equals("sendfile") && s.result() > 0)
                    .mapToLong(StraceLog.Call::result).sum();
            System.out.printf("ExampleServerKernelLabTest: %d body bytes, sendfile %d bytes in %d calls, "
                    + "write/writev/sendmsg %d bytes%n", body, bySendfile,
                    calls.stream().filter(s -> s.name().equals("sendfile")).count(), byCopies);
            assertThat(bySendfile).as("bytes sendfile returned in this case; strace:\n%s", log).isEqualTo(body);
            assertThat(byCopies).as("bytes the copying calls returned in this case; strace:\n%s", log)
                    .isLessThan(NON_BODY_LIMIT);
        }
    }

    private record Curl(String out, String err) {
    }

    private static Curl curl(List<String> tlsArgs, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", String.valueOf(LabKernel.WAIT_SECONDS),
                "--cacert", cert.toString()));
        cmd.addAll(tlsArgs);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t1 = Thread.ofPlatform().start(() -> copy(p.getInputStream(), out));
        Thread t2 = Thread.ofPlatform().start(() -> copy(p.getErrorStream(), err));
        if (!p.waitFor(LabKernel.WAIT_SECONDS + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("curl did not finish: " + cmd);
        }
        t1.join();
        t2.join();
        Curl r = new Curl(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertThat(p.exitValue()).as("curl exit code; stderr:\n%s\nserver output:\n%s\n%s", r.err,
                Files.readString(serverOut), Files.readString(serverErr)).isZero();
        return r;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static String url(String path) {
        return "https://localhost:" + port + path;
    }

    private static void randomFile(Path p, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        Files.write(p, b);
    }
}
