package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.sw.SoftwareBackend;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** F9: what the connection log of {@code ktls serve} says about input that is not TLS or not valid TLS. */
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
