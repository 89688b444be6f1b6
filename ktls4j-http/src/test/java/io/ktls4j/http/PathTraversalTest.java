package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Nothing outside the served directory is reachable: dot-segments, encodings, separators, symlinks. */
class PathTraversalTest {
    private static final String SECRET = "TOP-SECRET-OUTSIDE-ROOT";

    @TempDir
    Path tmp;
    Path root;
    TestServer server;

    @BeforeEach
    void start() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        Files.writeString(tmp.resolve("secret.txt"), SECRET);
        Files.writeString(root.resolve("a.txt"), "inside");
        Files.createDirectories(root.resolve("sub"));
        Files.createSymbolicLink(root.resolve("out"), tmp.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("outdir"), tmp);
        Files.createSymbolicLink(root.resolve("in"), root.resolve("a.txt"));
        Files.createSymbolicLink(root.resolve("dangling"), tmp.resolve("nothing-here"));
        server = new TestServer(root, HttpLimits.DEFAULT);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/../secret.txt, 403",
        "/sub/../../secret.txt, 403",
        "/%2e%2e/secret.txt, 403",
        "/%2E%2E/secret.txt, 403",
        "/.%2e/secret.txt, 403",
        "/sub/%2e%2e/%2e%2e/secret.txt, 403",
        "/%2e%2e%2fsecret.txt, 404",
        "/..%2fsecret.txt, 404",
        "/sub%2f..%2f..%2fsecret.txt, 404",
        "/a%5c..%5c..%5csecret.txt, 404",
        "/%252e%252e/secret.txt, 404",
        "/%c0%ae%c0%ae/secret.txt, 400",
        "/secret.txt%00.txt, 400",
        "/%, 400",
        "/%zz, 400",
        "/out, 403",
        "/outdir/secret.txt, 403",
        "/outdir/root/a.txt, 200",
        "/dangling, 404",
        "http://localhost/../secret.txt, 403",
        "//..//secret.txt, 403",
    })
    void traversalAttempt(String target, int status) throws IOException {
        RawClient.Response r = RawClient.get(server.port(), target);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.text()).doesNotContain(SECRET);
    }

    @Test
    void symlinkInsideTheRootIsServed() throws IOException {
        RawClient.Response r = RawClient.get(server.port(), "/in");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("inside");
    }

    @Test
    void dotSegmentsThatStayInsideAreStillRefused() throws IOException {
        // a strict server: no '..' at all, even when it would stay under the root
        assertThat(RawClient.get(server.port(), "/sub/../a.txt").status()).isEqualTo(403);
        assertThat(RawClient.get(server.port(), "/./a.txt").status()).isEqualTo(200);
    }
}
