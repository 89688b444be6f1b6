package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Nothing outside the served directory is reachable: dot-segments, encodings, separators, symlinks. A link is
 * followed by the server itself, name by name, and only while it stays under the root: one that leads outside is
 * refused even when the rest of the path would come back in ({@code /outdir/root/a.txt}), and one whose target is
 * outside is refused without looking whether the target exists ({@code /dangling}).
 */
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
        Files.createSymbolicLink(root.resolve("dangling-inside"), root.resolve("nothing-here"));
        Files.createSymbolicLink(root.resolve("relative-in"), Path.of("sub/../a.txt"));
        Files.createSymbolicLink(root.resolve("sub").resolve("up"), Path.of("../a.txt"));
        Files.createSymbolicLink(root.resolve("sub").resolve("upup"), Path.of("../../secret.txt"));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
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
        "/outdir/root/a.txt, 403",
        "/dangling, 403",
        "/dangling-inside, 404",
        "/relative-in, 200",
        "/sub/up, 200",
        "/sub/upup, 403",
        "/loop, 404",
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

    /** F6: the listing shows a link's size and date only when its target is under the root. */
    @Test
    void listingShowsNoDetailsOfLinkTargetsOutsideTheRoot() throws IOException {
        Files.setLastModifiedTime(tmp.resolve("secret.txt"), FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
        Files.setLastModifiedTime(tmp, FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
        String page = RawClient.get(server.port(), "/").text();
        assertThat(page).contains("<a href=\"out\">out</a></td><td></td><td></td>")
                .contains("<a href=\"outdir\">outdir</a></td><td></td><td></td>")
                .doesNotContain("2001").doesNotContain(">" + SECRET.length() + "<");
        assertThat(page).as("a link inside keeps its target's details").contains("<a href=\"in\">in</a></td><td>6</td>")
                .contains("<a href=\"sub/\">sub/</a>");
    }

    @Test
    void dotSegmentsThatStayInsideAreStillRefused() throws IOException {
        // a strict server: no '..' at all, even when it would stay under the root
        assertThat(RawClient.get(server.port(), "/sub/../a.txt").status()).isEqualTo(403);
        assertThat(RawClient.get(server.port(), "/./a.txt").status()).isEqualTo(200);
    }
}
