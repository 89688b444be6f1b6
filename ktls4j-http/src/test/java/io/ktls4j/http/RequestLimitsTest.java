package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Malformed and oversized requests get their status and a closed connection; nothing else is affected. */
class RequestLimitsTest {
    @TempDir
    Path root;
    TestServer server;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(root.resolve("a.txt"), "a");
        server = new TestServer(root, new HttpLimits(256, 1024, 10, 100, HttpLimits.DEFAULT.keepAliveTimeout(),
                HttpLimits.DEFAULT.requestTimeout(), HttpLimits.DEFAULT.sendTimeout(), 1000));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    /** Sends {@code raw}, expects {@code status}, and that the server then closes the connection. */
    private void expect(String raw, int status) throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send(raw).read();
            assertThat(r.status()).as(raw.length() > 60 ? raw.substring(0, 60) : raw).isEqualTo(status);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.drainToEof()).isZero();
        }
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "GET /a.txt\\r\\nHost: x\\r\\n\\r\\n                                     | 400",
        "GET  /a.txt HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                           | 400",
        "G(T /a.txt HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                            | 400",
        "GET a.txt HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                             | 400",
        "GET /a.txt HTTP/1.1\\r\\n\\r\\n                                         | 400",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nHost: y\\r\\n\\r\\n                | 400",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nX: a\\r\\n b\\r\\n\\r\\n              | 400",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nBad Name: a\\r\\n\\r\\n              | 400",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nX: a\\rb\\r\\n\\r\\n                | 400",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1\\r\\nContent-Length: 2\\r\\n\\r\\nab | 400",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: -1\\r\\n\\r\\n     | 400",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 3\\r\\n\\r\\n | 400",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n | 501",
        "GET /a.txt HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 101\\r\\n\\r\\n    | 413",
        "GET /a.txt HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n                             | 505",
        "GET /a.txt HTTP/1\\r\\nHost: x\\r\\n\\r\\n                               | 400",
    })
    void malformedRequest(String escaped, int status) throws IOException {
        expect(escaped.strip().replace("\\r", "\r").replace("\\n", "\n"), status);
    }

    @Test
    void requestLineLongerThanTheLimitIs414() throws IOException {
        expect("GET /" + "a".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
    }

    @Test
    void requestLineLongerThanTheLimitIs414BeforeItsEnd() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            // no LF yet: the server must not wait for the rest of an already-too-long line
            RawClient.Response r = c.send("GET /" + "a".repeat(400)).read();
            assertThat(r.status()).isEqualTo(414);
        }
    }

    @Test
    void tooManyHeaderFieldsIs431() throws IOException {
        expect("GET /a.txt HTTP/1.1\r\nHost: x\r\n" + "X-A: 1\r\n".repeat(10) + "\r\n", 431);
    }

    @Test
    void headLargerThanTheLimitIs431() throws IOException {
        expect("GET /a.txt HTTP/1.1\r\nHost: x\r\n" + ("X-Long: " + "v".repeat(200) + "\r\n").repeat(5) + "\r\n",
                431);
    }

    @Test
    void bodyWithinTheLimitIsReadAndSkipped() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send("GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void http10WithoutHostIsServedAndClosed() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send("GET /a.txt HTTP/1.0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.head().headers().first("Connection")).isEqualTo("close");
            assertThat(c.drainToEof()).isZero();
        }
    }

    @Test
    void leadingEmptyLinesAndBareLfAreAccepted() throws IOException {
        RawClient.Response r = RawClient.exchange(server.port(), "\r\n\nGET /a.txt HTTP/1.1\nHost: x\nConnection: close\n\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("a");
    }

    @Test
    void afterBadRequestsTheServerStillServes() throws IOException {
        for (int i = 0; i < 5; i++) {
            expect("BROKEN\r\n\r\n", 400);
        }
        assertThat(RawClient.get(server.port(), "/a.txt").status()).isEqualTo(200);
        assertThat(server.served).allSatisfy(s -> assertThat(s.error()).isNull());
    }
}
