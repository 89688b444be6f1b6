package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.testkit.Patience;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One access-log event per answered request (nginx's combined format) and the end reasons of cut connections. */
class AccessLogTest {
    private static final int BIG = 32 << 20;
    /** nginx's combined format, then the session and the request time. */
    private static final String COMBINED =
            "^127\\.0\\.0\\.1 - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}] \"[^\"]*\" \\d{3} \\d+ "
                    + "\"[^\"]*\" \"[^\"]*\" plain rt=\\d+\\.\\d{3}$";

    @TempDir
    Path root;
    TestServer server;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        byte[] big = new byte[BIG];
        new Random(3).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        server = new TestServer(root, HttpLimits.DEFAULT);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void aGetIsLoggedWithItsRequestLineStatusBodyBytesRefererAndUserAgent() throws Exception {
        RawClient.exchange(server.port(), "GET /hello.txt HTTP/1.1\r\nHost: x\r\nReferer: https://example.org/\r\n"
                + "User-Agent: curl/8.14.1\r\nConnection: close\r\n\r\n");
        ConnectionLog.Request r = awaitRequest(0);
        assertThat(r.requestLine()).isEqualTo("GET /hello.txt HTTP/1.1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyBytes()).isEqualTo(6);
        assertThat(r.referer()).isEqualTo("https://example.org/");
        assertThat(r.userAgent()).isEqualTo("curl/8.14.1");
        String line = LogLines.access(r);
        assertThat(line).matches(COMBINED)
                .contains("\"GET /hello.txt HTTP/1.1\" 200 6 \"https://example.org/\" \"curl/8.14.1\" plain");
    }

    @Test
    void keepAliveRequestsAreLoggedOneEachWithTheirStatusAndHeadHasNoBodyBytes() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n").read();
            c.send("HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
        }
        assertThat(awaitRequest(0).status()).isEqualTo(404);
        assertThat(awaitRequest(0).bodyBytes()).isPositive();
        ConnectionLog.Request head = awaitRequest(1);
        assertThat(head.requestLine()).isEqualTo("HEAD /hello.txt HTTP/1.1");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.bodyBytes()).isZero();
        assertThat(LogLines.access(head)).matches(COMBINED).contains("\"-\" \"-\"");
    }

    @Test
    void anUnparsableRequestIsLoggedAs400WithNoRequestLine() throws Exception {
        RawClient.exchange(server.port(), "NOT A REQUEST\r\n\r\n");
        ConnectionLog.Request r = awaitRequest(0);
        assertThat(r.status()).isEqualTo(400);
        assertThat(LogLines.access(r)).matches(COMBINED).contains("\"-\" 400 ");
    }

    /** A client cannot forge a field or a line: quotes and control bytes are escaped as nginx escapes them. */
    @Test
    void quotesAndControlBytesInFieldsAreEscaped() {
        var r = new ConnectionLog.Request(new InetSocketAddress("127.0.0.1", 1), Instant.now(), "GET /\"x HTTP/1.1",
                200, 1, null, "a\" \"b\u0001\\", "plain", Duration.ofMillis(2));
        assertThat(LogLines.access(r)).matches(COMBINED)
                .contains("\"GET /\\x22x HTTP/1.1\" 200 1 \"-\" \"a\\x22 \\x22b\\x01\\x5C\"");
    }

    @Test
    void anIpv6ClientIsWrittenInTheShortFormAsNginxDoes() {
        var r = new ConnectionLog.Request(new InetSocketAddress("::1", 1), Instant.now(), "GET / HTTP/1.1", 200, 1,
                null, null, "plain", Duration.ofMillis(2));
        assertThat(LogLines.access(r)).startsWith("::1 - - [");
    }

    /** The client goes in the middle of a download: the log says so, and how much of the body went out. */
    @Test
    void aDownloadTheClientCutsIsLoggedWithThePartialBodyAndTheClientAsTheCause() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
            c.socket.read(ByteBuffer.allocate(64 << 10));
            c.socket.setOption(java.net.StandardSocketOptions.SO_LINGER, 0); // a reset, as curl's Ctrl-C does
        }
        ConnectionLog.Request r = awaitRequest(0);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyBytes()).isLessThan(BIG);
        ConnectionLog.Summary s = awaitConnection();
        assertThat(s.endReason()).startsWith("closed by client during a response");
    }

    /** The server stops in the middle of a download: the log must not blame the client. */
    @Test
    void aDownloadCutByTheServerStoppingIsNotLoggedAsClosedByTheClient() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
            c.socket.read(ByteBuffer.allocate(64 << 10)); // the response has started; the rest waits for us
            await(() -> server.server.activeConnections() == 1);
            server.close();
            ConnectionLog.Summary s = awaitConnection();
            assertThat(s.endReason()).isEqualTo("closed by the server: shutting down");
            assertThat(awaitRequest(0).bodyBytes()).isLessThan(BIG);
        }
    }

    private ConnectionLog.Request awaitRequest(int i) throws InterruptedException {
        List<ConnectionLog.Request> log = server.requests;
        await(() -> log.size() > i);
        return log.get(i);
    }

    private ConnectionLog.Summary awaitConnection() throws InterruptedException {
        await(() -> !server.served.isEmpty());
        return server.served.getFirst();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        Patience.await(Duration.ofSeconds(10), condition, () -> "the condition did not hold");
    }
}
