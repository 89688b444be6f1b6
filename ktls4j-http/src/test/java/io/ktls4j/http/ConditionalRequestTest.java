package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ETag as nginx makes it, If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range by tag, and
 * Cache-Control.
 */
class ConditionalRequestTest {
    private static final Instant MTIME = Instant.parse("2024-03-01T10:00:00Z");
    /** nginx's tag of a 6-byte file modified at MTIME: mtime and size in hex. */
    private static final String TAG = "\"" + Long.toHexString(MTIME.getEpochSecond()) + "-6\"";
    /** Stands for TAG in the parameters (an annotation takes constants only). */
    private static final String TAG_PLACEHOLDER = "TAG";

    @TempDir
    Path root;

    @BeforeEach
    void files() throws IOException {
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        Files.setLastModifiedTime(root.resolve("hello.txt"), FileTime.from(MTIME));
    }

    private RawClient.Response get(TestServer s, String... headers) throws IOException {
        StringBuilder req = new StringBuilder("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        return RawClient.exchange(s.port(), req.append("\r\n").toString());
    }

    @Test
    void theTagIsMtimeAndSizeInHexAndChangesWithTheFile() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            assertThat(TAG).isEqualTo("\"65e1a720-6\"");
            RawClient.Response r = get(s);
            assertThat(r.header("ETag")).isEqualTo(TAG);
            assertThat(r.header("Cache-Control")).as("none unless asked for").isNull();
            Files.writeString(root.resolve("hello.txt"), "hello, world\n");
            Files.setLastModifiedTime(root.resolve("hello.txt"), FileTime.from(MTIME));
            assertThat(get(s).header("ETag")).isEqualTo("\"65e1a720-d\"");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TAG_PLACEHOLDER, "W/" + TAG_PLACEHOLDER, "\"other\", " + TAG_PLACEHOLDER, "*"})
    void aMatchingIfNoneMatchIs304WithTheValidatorsAndNoBody(String value) throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            RawClient.Response r = get(s, "If-None-Match: " + value.replace(TAG_PLACEHOLDER, TAG));
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.body()).isEmpty();
            assertThat(r.header("ETag")).isEqualTo(TAG);
            assertThat(r.header("Last-Modified")).isEqualTo("Fri, 01 Mar 2024 10:00:00 GMT");
        }
    }

    @Test
    void ifNoneMatchDecidesOverIfModifiedSince() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            RawClient.Response r = get(s, "If-None-Match: \"65e1a720-5\"",
                    "If-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello\n");
            assertThat(get(s, "If-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT").status()).isEqualTo(304);
        }
    }

    /** RFC 9110 13.1.1: If-Match compares strongly; it and If-Unmodified-Since are checked first (412). */
    @ParameterizedTest
    @ValueSource(strings = {"\"65e1a720-5\"", "W/" + TAG_PLACEHOLDER, "\"other\""})
    void aFailedIfMatchIs412(String value) throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            RawClient.Response r = get(s, "If-Match: " + value.replace(TAG_PLACEHOLDER, TAG),
                    "If-None-Match: " + TAG);
            assertThat(r.status()).isEqualTo(412);
            assertThat(r.text()).contains("no longer matches").doesNotContain("hello");
            assertThat(r.header("ETag")).isEqualTo(TAG);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TAG_PLACEHOLDER, "\"other\", " + TAG_PLACEHOLDER, "*"})
    void aMatchingIfMatchServesTheFile(String value) throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            RawClient.Response r = get(s, "If-Match: " + value.replace(TAG_PLACEHOLDER, TAG),
                    "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT");
            assertThat(r.status()).as("If-Match decides over If-Unmodified-Since").isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello\n");
        }
    }

    @Test
    void ifUnmodifiedSinceFailsForAFileChangedLater() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            assertThat(get(s, "If-Unmodified-Since: Thu, 29 Feb 2024 10:00:00 GMT").status()).isEqualTo(412);
            assertThat(get(s, "If-Unmodified-Since: Fri, 01 Mar 2024 10:00:00 GMT").status()).isEqualTo(200);
            assertThat(get(s, "If-Unmodified-Since: not a date").status()).as("an invalid date is ignored")
                    .isEqualTo(200);
        }
    }

    @Test
    void ifRangeComparesTheTagStrongly() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            RawClient.Response same = get(s, "Range: bytes=0-1", "If-Range: " + TAG);
            assertThat(same.status()).isEqualTo(206);
            assertThat(same.text()).isEqualTo("he");
            assertThat(get(s, "Range: bytes=0-1", "If-Range: W/" + TAG).status()).isEqualTo(200);
            assertThat(get(s, "Range: bytes=0-1", "If-Range: \"65e1a720-5\"").status()).isEqualTo(200);
        }
    }

    @Test
    void cacheControlGoesOnFileResponsesAnd304s() throws Exception {
        StaticFileHandler h = new StaticFileHandler(root, FileServing.DEFAULT.withCacheControl("public, max-age=60"));
        try (TestServer s = new TestServer(h, HttpLimits.DEFAULT)) {
            assertThat(get(s).header("Cache-Control")).isEqualTo("public, max-age=60");
            assertThat(get(s, "Range: bytes=1-2").header("Cache-Control")).isEqualTo("public, max-age=60");
            RawClient.Response notModified = get(s, "If-None-Match: " + TAG);
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.header("Cache-Control")).isEqualTo("public, max-age=60");
        }
    }
}
