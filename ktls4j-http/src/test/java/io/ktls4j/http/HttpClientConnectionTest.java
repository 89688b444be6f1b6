package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client's status line: {@code HTTP/1.x SP 3DIGIT [SP reason]} and nothing looser. */
class HttpClientConnectionTest {

    /**
     * Found by ResponseFuzzTest: the minor version was whatever character followed "HTTP/1." ("HTTP/1.` 200" gave
     * 48), and Integer.parseInt took a signed status ("+99", "-12", read as an interim response and skipped).
     */
    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.` 200 OK", "HTTP/1.x 200 OK", "HTTP/1.1 +99 X", "HTTP/1.1 -12 X", "HTTP/1.1 2 0 OK",
        "HTTP/1.1 200OK"})
    void aLooseStatusLineIsRefused(String line) {
        assertThatThrownBy(() -> head(line)).isInstanceOf(IOException.class).hasMessageContaining("status");
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 200 OK", "HTTP/1.0 200", "HTTP/1.1 200 "})
    void aStatusLineIsReadAsItSays(String line) throws IOException {
        ResponseHead h = head(line);
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.minorVersion()).isEqualTo(line.charAt(7) - '0');
        assertThat(h.reason()).isEqualTo(line.length() > 13 ? line.substring(13) : "");
    }

    private static ResponseHead head(String statusLine) throws IOException {
        byte[] stream = (statusLine + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        return new HttpClientConnection(new ChunkedChannel(stream, 0, 1)).readHead();
    }

    /** Found by ResponseFuzzTest: a head of empty lines only split into no lines, and reading it threw AIOOBE. */
    @ParameterizedTest
    @ValueSource(strings = {"\n\n", "\r\n\r\n", "\n\r\n"})
    void aHeadOfEmptyLinesIsNoStatusLine(String stream) {
        byte[] b = stream.getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> new HttpClientConnection(new ChunkedChannel(b, 0, 1)).readHead())
                .isInstanceOf(IOException.class).hasMessageContaining("status line");
    }

    /**
     * A chunk or trailer line over 4 KiB is refused also when it arrives whole (found reading the reader for
     * ResponseFuzzTest, whose inputs stay under 4 KiB: it was refused only when it came in pieces).
     */
    @ParameterizedTest(name = "reads of up to {0} bytes")
    @ValueSource(ints = {0, 100})
    void aLongTrailerLineIsRefusedHoweverItArrives(int maxRead) throws IOException {
        byte[] b = ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: " + "t".repeat(5000)
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        HttpClientConnection c = new HttpClientConnection(new ChunkedChannel(b, maxRead, 1));
        ResponseHead h = c.readHead();
        assertThatThrownBy(() -> c.readBody(h, false, Channels.newChannel(
                OutputStream.nullOutputStream()), null)).hasMessageContaining("longer than 4096");
    }
}
