package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several ranges answered as multipart/byteranges (RFC 9110 14.6), in the order asked, as nginx does. */
class MultiRangeTest {
    @TempDir
    Path root;
    TestServer server;
    byte[] data = new byte[100_000];

    @BeforeEach
    void start() throws IOException {
        new Random(11).nextBytes(data);
        Files.write(root.resolve("f.bin"), data);
        server = new TestServer(root, HttpLimits.DEFAULT);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    /** One part: its Content-Range and bytes. */
    record Part(String contentType, String contentRange, byte[] body) {
    }

    private RawClient.Response get(String range) throws IOException {
        return RawClient.exchange(server.port(), "GET /f.bin HTTP/1.1\r\nHost: x\r\nRange: " + range
                + "\r\nConnection: close\r\n\r\n");
    }

    @Test
    void smallAndLargePartsInTheOrderAskedWithTheirContentRanges() throws IOException {
        RawClient.Response r = get("bytes=90000-99999, 0-9, -5, 20000-69999");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isNull();
        List<Part> parts = parse(r);
        assertThat(parts).extracting(Part::contentRange).containsExactly("bytes 90000-99999/100000",
                "bytes 0-9/100000", "bytes 99995-99999/100000", "bytes 20000-69999/100000");
        assertThat(parts).extracting(Part::contentType).containsOnly("application/octet-stream");
        assertThat(parts.get(0).body()).isEqualTo(Arrays.copyOfRange(data, 90000, 100000));
        assertThat(parts.get(1).body()).isEqualTo(Arrays.copyOfRange(data, 0, 10));
        assertThat(parts.get(2).body()).isEqualTo(Arrays.copyOfRange(data, 99995, 100000));
        assertThat(parts.get(3).body()).as("a part sent by the file sender").isEqualTo(
                Arrays.copyOfRange(data, 20000, 70000));
    }

    @Test
    void rangesPastTheEndAreDroppedAndOneLeftIsAPlain206() throws IOException {
        RawClient.Response r = get("bytes=0-9,200000-200010");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 0-9/100000");
        assertThat(r.body()).isEqualTo(Arrays.copyOf(data, 10));
        assertThat(get("bytes=100000-,200000-").status()).isEqualTo(416);
    }

    @Test
    void headAnnouncesTheMultipartLength() throws IOException {
        RawClient.Response get = get("bytes=0-9,20-29");
        RawClient.Response head = RawClient.exchange(server.port(), "HEAD /f.bin HTTP/1.1\r\nHost: x\r\n"
                + "Range: bytes=0-9,20-29\r\nConnection: close\r\n\r\n");
        assertThat(head.status()).isEqualTo(206);
        assertThat(head.body()).isEmpty();
        assertThat(Long.parseLong(head.header("Content-Length"))).isEqualTo(get.body().length);
    }

    /** Splits a multipart/byteranges body at its boundary (the parts hold random bytes: no text decoding). */
    private static List<Part> parse(RawClient.Response r) {
        String type = r.header("Content-Type");
        assertThat(type).startsWith("multipart/byteranges; boundary=");
        byte[] delimiter = ("\r\n--" + type.substring(type.indexOf('=') + 1)).getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = r.body();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i + delimiter.length <= body.length; i++) {
            if (Arrays.equals(body, i, i + delimiter.length, delimiter, 0, delimiter.length)) {
                at.add(i);
            }
        }
        assertThat(at.getFirst()).as("the body starts with the first boundary").isZero();
        String close = new String(body, at.getLast(), body.length - at.getLast(), StandardCharsets.ISO_8859_1);
        assertThat(close).isEqualTo(new String(delimiter, StandardCharsets.ISO_8859_1) + "--\r\n");
        List<Part> parts = new ArrayList<>();
        for (int k = 0; k + 1 < at.size(); k++) {
            int start = at.get(k) + delimiter.length + 2;
            int headEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
            String head = new String(body, start, headEnd - start, StandardCharsets.ISO_8859_1);
            String ct = null;
            String cr = null;
            for (String line : head.split("\r\n")) {
                if (line.startsWith("Content-Type: ")) {
                    ct = line.substring(14);
                } else if (line.startsWith("Content-Range: ")) {
                    cr = line.substring(15);
                }
            }
            parts.add(new Part(ct, cr, Arrays.copyOfRange(body, headEnd + 4, at.get(k + 1))));
        }
        return parts;
    }

    private static int indexOf(byte[] a, byte[] b, int from) {
        for (int i = from; i + b.length <= a.length; i++) {
            if (Arrays.equals(a, i, i + b.length, b, 0, b.length)) {
                return i;
            }
        }
        throw new AssertionError("no part head end");
    }
}
