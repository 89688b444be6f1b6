package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.sw.SoftwareBackend;
import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.Tools;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the logs of {@code ktls serve} say: the access log (a line per request, nginx's combined format plus the TLS
 * session) and the connection log (F9: input that is not TLS or not valid TLS).
 */
class ConnectionLogTest {
    @TempDir
    Path tmp;

    /** A corrupted or forged record is an error end, not "closed by client". */
    @Test
    void aCorruptedRecordIsLoggedAsABadRecordFromTheClient() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--backend", "software")) {
            KtlsContext client = KtlsContext.forClient().trustManager(s.certificate)
                    .backend(new SoftwareBackend()).build();
            try (KtlsConnection c = client.connect(SocketChannel.open(new InetSocketAddress("127.0.0.1", s.port)),
                    "localhost")) {
                byte[] record = new byte[5 + 48];
                new Random(1).nextBytes(record);
                record[0] = 23; // application_data, version 0x0303, 48 bytes that authenticate as nothing
                record[1] = 3;
                record[2] = 3;
                record[3] = 0;
                record[4] = 48;
                c.socketChannel().write(ByteBuffer.wrap(record));
                String line = awaitLogLine(s, "requests=0");
                assertThat(line).contains("end=\"bad record from client\"").contains("bad_record_mac")
                        .doesNotContain("closed by client");
            }
        }
    }

    /** Plain HTTP to the TLS port: refused before the handshake, and no alert went out (the log says so). */
    @Test
    void garbageBeforeTheHandshakeIsLoggedAsRefusedWithNoAlertSent() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"));
             SocketChannel raw = SocketChannel.open(new InetSocketAddress("127.0.0.1", s.port))) {
            raw.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            int received = 0;
            ByteBuffer b = ByteBuffer.allocate(1024);
            try {
                for (int n; (n = raw.read(b.clear())) >= 0; ) {
                    received += n;
                }
            } catch (SocketException e) {
                // a reset: the server closed with the rest of the request unread (it reads a record at a time)
            }
            assertThat(received).as("bytes the server sent back").isZero();
            String line = awaitLogLine(s, "handshake-failed");
            assertThat(line).contains("no alert sent").doesNotContain("sent fatal alert");
        }
    }

    /** By default each request is a line on standard output, as nginx's combined format plus the TLS fields. */
    @Test
    void eachRequestIsAnAccessLogLineOnStandardOutputWithTheTlsSession() throws Exception {
        Tools.require("curl");
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "hello\n");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"))) {
            Proc p = Proc.run(List.of("curl", "-sS", "--cacert", s.certificate.toString(), "--tlsv1.3",
                    "-A", "test-agent/1", "-e", "https://example.org/", s.url("/a.txt"), s.url("/missing")));
            assertThat(p.exitCode()).as(p.stderr()).isZero();
            String ok = awaitLine(s.out, "\"GET /a.txt ");
            assertThat(ok).matches("^127\\.0\\.0\\.1 - - \\[[^]]+] \"GET /a\\.txt HTTP/1\\.1\" 200 6 "
                    + "\"https://example\\.org/\" \"test-agent/1\" TLSv1\\.3 TLS_\\S+ .*tx=\\S+ rx=\\S+ rt=[0-9.]+$");
            assertThat(awaitLine(s.out, "\"GET /missing ")).contains("\" 404 ");
            assertThat(s.log()).as("standard error: the connection log only").doesNotContain("\"GET /a.txt");
        }
    }

    @Test
    void accessLogToAFileAppendsThereAndOffLogsNoRequest() throws Exception {
        Tools.require("curl");
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "hello\n");
        Path file = tmp.resolve("access.log");
        Files.writeString(file, "an earlier line\n");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--access-log", file.toString())) {
            curl(s, "/a.txt");
            awaitLogLine(s, "requests=1");
            List<String> lines = Files.readAllLines(file);
            assertThat(lines).hasSize(2).first().isEqualTo("an earlier line");
            assertThat(lines.get(1)).contains("\"GET /a.txt HTTP/1.1\" 200 6 ");
            assertThat(s.out.toString()).doesNotContain("GET /a.txt");
        }
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--access-log", "off")) {
            curl(s, "/a.txt");
            awaitLogLine(s, "requests=1"); // the connection's line comes after its requests' lines
            assertThat(s.out.toString()).doesNotContain("GET /a.txt");
            assertThat(s.log()).doesNotContain("GET /a.txt");
        }
    }

    private static void curl(RunningServer s, String path) throws Exception {
        Proc p = Proc.run(List.of("curl", "-sS", "-o", "/dev/null", "--cacert", s.certificate.toString(),
                s.url(path)));
        assertThat(p.exitCode()).as(p.stderr()).isZero();
    }

    private static String awaitLine(StringWriter out, String marker) throws InterruptedException {
        long deadline = System.nanoTime() + Patience.of(Duration.ofSeconds(10)).toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : out.toString().split("\n")) {
                if (line.contains(marker)) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no line with " + marker + " in: " + out);
    }

    private static String awaitLogLine(RunningServer s, String marker) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String line : s.log().split("\n")) {
                if (line.contains(marker)) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no log line with " + marker + " in: " + s.log());
    }
}
