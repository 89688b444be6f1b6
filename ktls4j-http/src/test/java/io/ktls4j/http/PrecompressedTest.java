package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** .br and .gz siblings served in place of a file as nginx's gzip_static does. */
class PrecompressedTest {
    private static final String JS = "console.log('hello, hello, hello');\n";

    @TempDir
    Path root;
    byte[] gz;

    @BeforeEach
    void files() throws IOException {
        Files.writeString(root.resolve("app.js"), JS);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(JS.getBytes(StandardCharsets.UTF_8));
        }
        gz = b.toByteArray();
        Files.write(root.resolve("app.js.gz"), gz);
        Files.writeString(root.resolve("app.js.br"), "brotli bytes");
        Files.writeString(root.resolve("style.css"), "a{}");
        Files.writeString(root.resolve("style.css.gz"), "gzip bytes");
    }

    private static RawClient.Response get(TestServer s, String path, String... headers) throws IOException {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        return RawClient.exchange(s.port(), req.append("\r\n").toString());
    }

    @ParameterizedTest(name = "Accept-Encoding: {0}")
    @CsvSource(delimiter = '|', value = {
        "gzip | gzip", "gzip, deflate | gzip", "x-gzip | gzip", "br;q=0, gzip | gzip", "GZIP;q=0.5 | gzip",
        "gzip, br | br", "br | br", "* | br", "*, br;q=0 | gzip",
        "identity | -", "gzip;q=0 | -", "deflate | -", "*;q=0 | -"})
    void theCodingTheClientTakesIsServedWithContentEncodingAndVary(String accept, String coding) throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            RawClient.Response r = get(s, "/app.js", "Accept-Encoding: " + accept);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo(MimeTypes.forFileName("app.js"));
            switch (coding) {
                case "gzip" -> {
                    assertThat(r.body()).isEqualTo(gz);
                    assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
                    assertThat(r.header("Vary")).isEqualTo("Accept-Encoding");
                }
                case "br" -> {
                    assertThat(r.text()).isEqualTo("brotli bytes");
                    assertThat(r.header("Content-Encoding")).isEqualTo("br");
                    assertThat(r.header("Vary")).isEqualTo("Accept-Encoding");
                }
                default -> {
                    assertThat(r.text()).isEqualTo(JS);
                    assertThat(r.header("Content-Encoding")).isNull();
                }
            }
        }
    }

    @Test
    void withoutAcceptEncodingOrASiblingTheFileItselfIsServed() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            assertThat(get(s, "/app.js").text()).isEqualTo(JS);
            RawClient.Response css = get(s, "/style.css", "Accept-Encoding: br");
            assertThat(css.text()).isEqualTo("a{}");
            assertThat(css.header("Content-Encoding")).isNull();
        }
    }

    @Test
    void theSiblingHasItsOwnTagAndRangesApplyToIt() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            String plainTag = get(s, "/app.js").header("ETag");
            RawClient.Response whole = get(s, "/app.js", "Accept-Encoding: gzip");
            assertThat(whole.header("ETag")).isNotEqualTo(plainTag).endsWith("-" + Long.toHexString(gz.length) + "\"");
            RawClient.Response part = get(s, "/app.js", "Accept-Encoding: gzip", "Range: bytes=0-9");
            assertThat(part.status()).isEqualTo(206);
            assertThat(part.body()).isEqualTo(java.util.Arrays.copyOf(gz, 10));
            assertThat(part.header("Content-Encoding")).isEqualTo("gzip");
            assertThat(get(s, "/app.js", "Accept-Encoding: gzip", "If-None-Match: " + whole.header("ETag")).status())
                    .isEqualTo(304);
        }
    }

    @Test
    void offServesTheFileItself() throws Exception {
        StaticFileHandler h = new StaticFileHandler(root, FileServing.DEFAULT.withPrecompressed(false));
        try (TestServer s = new TestServer(h, HttpLimits.DEFAULT)) {
            RawClient.Response r = get(s, "/app.js", "Accept-Encoding: gzip, br");
            assertThat(r.text()).isEqualTo(JS);
            assertThat(r.header("Content-Encoding")).isNull();
        }
    }
}
