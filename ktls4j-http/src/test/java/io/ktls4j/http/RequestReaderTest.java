package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The request reader gives the same requests however the client's bytes are cut into reads. */
class RequestReaderTest {

    /**
     * An empty line before a request-line is ignored (RFC 9112 2.2) also when its CR ends one read and its LF starts
     * the next (found by RequestFuzzTest: read a byte at a time, the CR was taken for the request's first byte and the
     * request after a body and a CRLF was refused with 400).
     */
    @ParameterizedTest(name = "reads of up to {0} bytes")
    @ValueSource(ints = {0, 1, 2, 3, 7})
    void anEmptyLineBeforeARequestIsIgnoredWhereverTheReadsSplitIt(int maxRead) throws Exception {
        byte[] stream = ("GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello\r\n"
                + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        for (long seed = 0; seed < 50; seed++) {
            RequestReader reader = new RequestReader(new ChunkedChannel(stream, maxRead, seed), HttpLimits.DEFAULT);
            HttpRequest a = reader.read(() -> { });
            reader.discard(RequestHead.contentLength(a));
            assertThat(reader.read(() -> { }).path()).isEqualTo("/b");
            assertThat(reader.read(() -> { }).path()).isEqualTo("/c");
            assertThat(reader.read(() -> { })).isNull();
        }
    }

    /**
     * A request line over the limit is 414 whether the reader sees it before the head is complete or whole, also when
     * it holds a bare CR (found by RequestFuzzTest: whole, the CR made it a 400; a byte at a time, a 414).
     */
    @ParameterizedTest(name = "reads of up to {0} bytes")
    @ValueSource(ints = {0, 1, 3})
    void anOverlongRequestLineIs414HoweverItArrives(int maxRead) {
        HttpLimits limits = new HttpLimits(32, 64, 3, 16, Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(60), 4);
        byte[] stream = "GET /a-path-well-over-thirty-two\rbytes HTTP/1.1\r\nHost: h\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        RequestReader reader = new RequestReader(new ChunkedChannel(stream, maxRead, 1), limits);
        assertThat(catchThrowableOfType(HttpException.class, () -> reader.read(() -> { })).status()).isEqualTo(414);
    }

    /**
     * A head over a limit smaller than the reader's first buffer is 431 however it arrives, also when one read brings
     * it whole with its end (found by RequestFuzzTest: a read could fill the buffer past the limit, so a head over
     * the limit that came whole was accepted, or 400 at the end of the stream, and one over the first buffer's size
     * overran the buffer's growth; a byte at a time it was 431).
     */
    @ParameterizedTest(name = "reads of up to {0} bytes")
    @ValueSource(ints = {0, 1, 7})
    void aHeadOverASmallLimitIs431HoweverItArrives(int maxRead) {
        HttpLimits limits = new HttpLimits(64, 100, 8, 16, Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(60), 4);
        for (String head : new String[] {
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + "x".repeat(100) + "\r\n\r\n", // whole, with its end
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + "x".repeat(100), // no end: the stream ends
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + "x".repeat(3000)}) { // more than the first buffer
            byte[] stream = head.getBytes(StandardCharsets.ISO_8859_1);
            RequestReader reader = new RequestReader(new ChunkedChannel(stream, maxRead, 1), limits);
            assertThatExceptionOfType(HttpException.class).as("a head of %d bytes", stream.length)
                    .isThrownBy(() -> reader.read(() -> { })).extracting(HttpException::status).isEqualTo(431);
        }
    }
}
