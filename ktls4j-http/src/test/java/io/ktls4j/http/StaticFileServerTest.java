package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The static file server over plain TCP, checked with the JDK's HTTP client. */
class StaticFileServerTest {
    @TempDir
    Path root;
    TestServer server;
    HttpClient client;
    byte[] data;

    @BeforeEach
    void start() throws IOException {
        data = new byte[100_000];
        new Random(7).nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        Files.setLastModifiedTime(root.resolve("hello.txt"), FileTime.from(Instant.parse("2024-03-01T10:00:00Z")));
        Files.write(root.resolve("empty.json"), new byte[0]);
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/<b>&\"x'.txt"), "x");
        Files.createDirectories(root.resolve("site"));
        Files.writeString(root.resolve("site/index.html"), "<p>index</p>");
        server = new TestServer(root, HttpLimits.DEFAULT);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        client.close();
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url(path)));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void getReturnsTheFileWithTypeLengthAndDate() throws Exception {
        HttpResponse<byte[]> r = get("/data.bin");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(data);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(r.headers().firstValue("Content-Length")).hasValue("100000");
        assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");

        HttpResponse<byte[]> t = get("/hello.txt");
        assertThat(new String(t.body(), StandardCharsets.UTF_8)).isEqualTo("hello\n");
        assertThat(t.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(t.headers().firstValue("Last-Modified")).hasValue("Fri, 01 Mar 2024 10:00:00 GMT");
    }

    @Test
    void emptyFileHasContentLengthZero() throws Exception {
        HttpResponse<byte[]> r = get("/empty.json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Content-Length")).hasValue("0");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void headSendsTheHeadersOfGetWithoutTheBody() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            RawClient.Response head = c.send("HEAD /data.bin HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("100000");
            assertThat(head.body()).isEmpty();
            // had the HEAD response carried a body, this next response would not parse
            RawClient.Response next = c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.text()).isEqualTo("hello\n");
        }
    }

    @Test
    void missingFileIs404WithASmallPage() throws Exception {
        HttpResponse<byte[]> r = get("/nope.txt");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("404 Not Found").hasSizeLessThan(512);
    }

    @Test
    void otherMethodsAre405WithAllow() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/hello.txt")))
                .POST(HttpRequest.BodyPublishers.ofString("x=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> d = client.send(HttpRequest.newBuilder(URI.create(server.url("/hello.txt")))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(d.statusCode()).isEqualTo(405);
    }

    @Test
    void ifModifiedSinceGives304OnlyWhenNotModified() throws Exception {
        assertThat(get("/hello.txt", "If-Modified-Since", "Fri, 01 Mar 2024 10:00:00 GMT").statusCode())
                .isEqualTo(304);
        assertThat(get("/hello.txt", "If-Modified-Since", "Sat, 02 Mar 2024 00:00:00 GMT").statusCode())
                .isEqualTo(304);
        HttpResponse<byte[]> older = get("/hello.txt", "If-Modified-Since", "Thu, 29 Feb 2024 10:00:00 GMT");
        assertThat(older.statusCode()).isEqualTo(200);
        assertThat(older.body()).hasSize(6);
        assertThat(get("/hello.txt", "If-Modified-Since", "not a date").statusCode()).isEqualTo(200);
    }

    @Test
    void directoryWithoutSlashRedirects() throws Exception {
        HttpResponse<byte[]> r = get("/docs");
        assertThat(r.statusCode()).isEqualTo(301);
        assertThat(r.headers().firstValue("Location")).hasValue("/docs/");
    }

    /**
     * F7: {@code Location: //docs/} would be a network-path reference, which a browser (and curl -L) follows to the
     * host "docs". The redirect names the directory with one leading slash.
     */
    @ParameterizedTest
    @CsvSource({
        "//docs, /docs/",
        "///docs, /docs/",
        "/.//docs, /docs/",
        "//docs?a=1, /docs/?a=1",
        "http://evil.example//docs, /docs/",
        "/docs//sub, /docs/sub/",
    })
    void redirectToADirectoryStaysOnThisHost(String target, String location) throws Exception {
        Files.createDirectories(root.resolve("docs/sub"));
        RawClient.Response r = RawClient.get(server.port(), target);
        assertThat(r.status()).isEqualTo(301);
        assertThat(r.header("Location")).isEqualTo(location);
        // what a browser does with it (RFC 3986 reference resolution against the URL it asked for)
        String asked = server.url(target.startsWith("http:") ? target.substring(target.indexOf("//", 7)) : target);
        URI followed = URI.create(asked).resolve(r.header("Location"));
        assertThat(followed.getHost()).isEqualTo("127.0.0.1");
        assertThat(followed.getPort()).isEqualTo(server.port());
    }

    @Test
    void curlFollowsTheDirectoryRedirectOnThisHost() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs curl");
        Process p = new ProcessBuilder("curl", "-sS", "-L", "--path-as-is", "--max-redirs", "2", "-o", "/dev/null",
                "-w", "%{url_effective}", server.url("//docs")).redirectErrorStream(true).start();
        String effective = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(effective).isZero();
        assertThat(effective).isEqualTo(server.url("/docs/"));
    }

    @Test
    void directoryListingEscapesNamesAndEncodesLinks() throws Exception {
        HttpResponse<byte[]> r = get("/docs/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        String page = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(page).contains("&lt;b&gt;&amp;&quot;x&#39;.txt").doesNotContain("<b>&");
        assertThat(page).contains("href=\"%3Cb%3E%26%22x%27.txt\"");
        HttpResponse<byte[]> file = get("/docs/%3Cb%3E%26%22x%27.txt");
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo("x".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void directoryWithIndexServesIt() throws Exception {
        HttpResponse<byte[]> r = get("/site/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("<p>index</p>");
    }

    @Test
    void rootListingNamesTheFiles() throws Exception {
        String page = new String(get("/").body(), StandardCharsets.UTF_8);
        assertThat(page).contains("Index of /").contains("data.bin").contains("docs/").contains("hello.txt");
    }
}
