package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.ktls4j.testkit.Patience;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many requests on one connection, sequential and pipelined. */
class KeepAliveTest {
    @TempDir
    Path root;
    TestServer server;

    @BeforeEach
    void start() throws IOException {
        for (int i = 0; i < 10; i++) {
            Files.writeString(root.resolve("f" + i + ".txt"), "file " + i + "\n".repeat(i * 100));
        }
        server = new TestServer(root, HttpLimits.DEFAULT);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void hundredRequestsOnOneConnection() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            for (int i = 0; i < 100; i++) {
                String name = "f" + (i % 10) + ".txt";
                RawClient.Response r = c.send("GET /" + name + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo(Files.readString(root.resolve(name)));
                assertThat(r.head().keepAlive()).isTrue();
            }
        }
        ConnectionLog.Summary s = awaitOneServed();
        assertThat(s.requests()).isEqualTo(100);
        assertThat(s.error()).isNull();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET /f1.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /f2.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /f3.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(c.read().text()).isEqualTo(Files.readString(root.resolve("f1.txt")));
            RawClient.Response head = c.read(true);
            assertThat(head.header("Content-Length")).isEqualTo(Long.toString(Files.size(root.resolve("f2.txt"))));
            RawClient.Response last = c.read();
            assertThat(last.text()).isEqualTo(Files.readString(root.resolve("f3.txt")));
            assertThat(last.head().keepAlive()).isFalse();
            assertThat(c.drainToEof()).isZero();
        }
        assertThat(awaitOneServed().requests()).isEqualTo(3);
    }

    @Test
    void http10KeepAliveIsHonoured() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            for (int i = 0; i < 3; i++) {
                RawClient.Response r = c.send("GET /f0.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
                assertThat(r.header("Connection")).isEqualTo("keep-alive");
            }
        }
        assertThat(awaitOneServed().requests()).isEqualTo(3);
    }

    @Test
    void clientResetBetweenRequestsIsAnOrdinaryClose() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            assertThat(c.send("GET /f0.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            c.socket.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
        }
        ConnectionLog.Summary s = awaitOneServed();
        assertThat(s.error()).isNull();
        assertThat(s.endReason()).startsWith("closed by client").doesNotContain("Exception");
    }

    /** A handler that fails answers 500 without naming server internals; the log line has the reason. */
    @Test
    void aFailingHandlerAnswers500AndTheLogSaysWhy() throws Exception {
        server.close();
        server = new TestServer(request -> {
            throw new IllegalStateException("the index at /srv/private/index.db is corrupt");
        }, HttpLimits.DEFAULT);
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.text()).contains("an internal error (the server log has the reason)").doesNotContain("/srv/private")
                    .doesNotContain("Exception");
            assertThat(r.head().keepAlive()).isFalse();
        }
        assertThat(awaitOneServed().endReason()).isEqualTo(
                "closed after a 500: the handler failed (the index at /srv/private/index.db is corrupt)");
    }

    @Test
    void resetInsideARequestHeadIsAnError() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET /f0.txt HTTP/1.1\r\nHost:");
            Thread.sleep(100);
            c.socket.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
        }
        assertThat(awaitOneServed().error()).isNotNull();
    }

    private ConnectionLog.Summary awaitOneServed() throws InterruptedException {
        Patience.await(Duration.ofSeconds(5), () -> !server.served.isEmpty(), () -> "the connection's log line");
        assertThat(server.served).hasSize(1);
        return server.served.get(0);
    }
}
