package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the client's response reader ({@link HttpClientConnection}: status line, header fields, interim responses,
 * Content-Length, chunked and read-to-the-end bodies), what {@code ktls get} and {@code ktls bench} read from a
 * server, with whole server streams: responses one after another on a keep-alive connection, as the client reads
 * them. The contract on every input:
 * <ul>
 * <li>each head read is a final response (200..999 or 101) whose status is the three digits of its status line,
 *     whose version is HTTP/1.x with x the digit there; no exception but an {@link IOException} (the connection
 *     cannot go on);</li>
 * <li>a body is exactly Content-Length bytes when the head has one (and is not chunked), the bytes that follow the
 *     head; what the reader returns is what reached the sink, and the progress it reports counts up to it;</li>
 * <li>the answers do not depend on how the input is cut: read in pieces of 1 to {@code maxRead} bytes and read whole,
 *     the same heads, bodies and error.</li>
 * </ul>
 * Regression inputs in src/test/resources/io/ktls4j/http/ResponseFuzzTestInputs (the server's bytes, then a byte
 * that picks the read size).
 */
class ResponseFuzzTest {
    /**
     * Responses read on one connection at most. A keep-alive stream ends with the server's FIN, which the next
     * {@code readHead} reports (EOFException), so the loop ends on its own; this only bounds it.
     */
    private static final int MAX_RESPONSES = 64;

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"HTTP/1.1 200 OK\\x0d\\x0a", "HTTP/1.0 ", "HTTP/1.1 100 Continue\\x0d\\x0a\\x0d\\x0a",
        "HTTP/1.1 204 ", "HTTP/1.1 304 ", "\\x0d\\x0a", "Content-Length: ", "Transfer-Encoding: chunked",
        "Connection: close", "Connection: keep-alive", "0\\x0d\\x0a\\x0d\\x0a", ";ext=1", "ffffffffffffff"})
    void responseStream(FuzzedDataProvider in) {
        int maxRead = in.consumeInt(1, 64);
        byte[] stream = in.consumeRemainingAsBytes();
        String whole = read(stream, 0);
        String cut = read(stream, maxRead);
        assertThat(cut).as("read in pieces of up to %d bytes", maxRead).isEqualTo(whole);
    }

    /** What the client makes of the stream: each response's head and body, and the error that ended it. */
    private static String read(byte[] stream, int maxRead) {
        ChunkedChannel server = new ChunkedChannel(stream, maxRead, stream.length);
        HttpClientConnection client = new HttpClientConnection(server);
        StringBuilder seen = new StringBuilder();
        try {
            for (int i = 0; i < MAX_RESPONSES; i++) {
                ResponseHead head = client.readHead();
                checkHead(head);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                List<Long> progress = new ArrayList<>();
                long n = client.readBody(head, false, Channels.newChannel(body), progress::add);
                assertThat(n).as("bytes returned").isEqualTo(body.size());
                for (int p = 1; p < progress.size(); p++) {
                    assertThat(progress.get(p)).as("progress").isGreaterThanOrEqualTo(progress.get(p - 1));
                }
                if (!progress.isEmpty()) {
                    assertThat(progress.getLast()).as("progress at the end").isEqualTo(n);
                }
                if (!head.statusHasNoBody() && !head.chunked() && head.contentLength() >= 0) {
                    assertThat(n).as("a body of Content-Length %d", head.contentLength()).isEqualTo(head.contentLength());
                }
                seen.append(head.minorVersion()).append(' ').append(head.status()).append(' ').append(head.reason())
                        .append(' ').append(head.headers()).append(" body ")
                        .append(new String(body.toByteArray(), StandardCharsets.ISO_8859_1)).append('\n');
                if (!head.keepAlive()) {
                    break;
                }
            }
        } catch (IOException e) {
            seen.append(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
        }
        return seen.toString();
    }

    /** What a head the reader hands on promises. */
    private static void checkHead(ResponseHead head) {
        assertThat(head.status() >= 200 || head.status() == 101).as("a final status: %d", head.status()).isTrue();
        assertThat(head.status()).isBetween(100, 999);
        assertThat(head.minorVersion()).isBetween(0, 9);
    }
}
