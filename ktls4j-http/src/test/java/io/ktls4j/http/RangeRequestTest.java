package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Byte ranges: 206 with Content-Range, 416 past the end, and the cases that fall back to a whole 200. */
class RangeRequestTest {
    @TempDir
    Path root;
    TestServer server;
    byte[] data = new byte[1000];

    @BeforeEach
    void start() throws IOException {
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        Files.write(root.resolve("f.bin"), data);
        Files.write(root.resolve("empty.bin"), new byte[0]);
        server = new TestServer(root, HttpLimits.DEFAULT);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private RawClient.Response range(String file, String range) throws IOException {
        return RawClient.exchange(server.port(), "GET /" + file + " HTTP/1.1\r\nHost: x\r\nRange: " + range
                + "\r\nConnection: close\r\n\r\n");
    }

    @Test
    void firstByte() throws IOException {
        RawClient.Response r = range("f.bin", "bytes=0-0");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 0-0/1000");
        assertThat(r.body()).containsExactly(data[0]);
    }

    @Test
    void middleOpenEndedAndSuffixRanges() throws IOException {
        RawClient.Response mid = range("f.bin", "bytes=100-199");
        assertThat(mid.status()).isEqualTo(206);
        assertThat(mid.body()).isEqualTo(Arrays.copyOfRange(data, 100, 200));

        RawClient.Response open = range("f.bin", "bytes=990-");
        assertThat(open.header("Content-Range")).isEqualTo("bytes 990-999/1000");
        assertThat(open.body()).isEqualTo(Arrays.copyOfRange(data, 990, 1000));

        RawClient.Response suffix = range("f.bin", "bytes=-5");
        assertThat(suffix.header("Content-Range")).isEqualTo("bytes 995-999/1000");
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(data, 995, 1000));

        RawClient.Response clipped = range("f.bin", "bytes=500-5000");
        assertThat(clipped.header("Content-Range")).isEqualTo("bytes 500-999/1000");
        assertThat(clipped.body()).hasSize(500);

        RawClient.Response bigSuffix = range("f.bin", "bytes=-5000");
        assertThat(bigSuffix.header("Content-Range")).isEqualTo("bytes 0-999/1000");
    }

    @Test
    void rangePastTheEndIs416WithTheSize() throws IOException {
        RawClient.Response r = range("f.bin", "bytes=1000-");
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.header("Content-Range")).isEqualTo("bytes */1000");
        assertThat(range("empty.bin", "bytes=0-").status()).isEqualTo(416);
        assertThat(range("f.bin", "bytes=-0").status()).isEqualTo(416);
    }

    @Test
    void invalidForeignOrAmplifyingRangesAreIgnored() throws IOException {
        for (String ignored : new String[] {"bytes=9-3", "items=0-1", "bytes=a-b", "bytes=5", "bytes=0-1,9-3",
            "bytes=0-999,0-999", "bytes=,"}) {
            RawClient.Response r = range("f.bin", ignored);
            assertThat(r.status()).as(ignored).isEqualTo(200);
            assertThat(r.body()).as(ignored).isEqualTo(data);
        }
    }

    @Test
    void ifRangeWithAnotherDateSendsTheWholeFile() throws IOException {
        String lastModified = RawClient.get(server.port(), "/f.bin").header("Last-Modified");
        RawClient.Response same = RawClient.exchange(server.port(), "GET /f.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9"
                + "\r\nIf-Range: " + lastModified + "\r\nConnection: close\r\n\r\n");
        assertThat(same.status()).isEqualTo(206);
        RawClient.Response other = RawClient.exchange(server.port(), "GET /f.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9"
                + "\r\nIf-Range: Mon, 01 Jan 2001 00:00:00 GMT\r\nConnection: close\r\n\r\n");
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.body()).hasSize(1000);
    }

    @Test
    void parseAgainstSizes() {
        assertThat(ByteRange.parse("bytes=0-499", 1000)).isEqualTo(new ByteRange(0, 499));
        assertThat(ByteRange.parse("Bytes = 0-499 ", 1000)).isNull();
        assertThat(ByteRange.parse("BYTES=0-499", 1000)).isEqualTo(new ByteRange(0, 499));
        assertThat(ByteRange.parse("bytes=999999999999999999999-", 1000)).isNull();
        assertThat(ByteRange.parse("bytes=-1", 1)).isEqualTo(new ByteRange(0, 0));
        assertThat(ByteRange.parse("bytes=0-", 0)).isSameAs(ByteRange.UNSATISFIABLE);
        assertThat(ByteRange.parse(null, 10)).isNull();
    }
}
