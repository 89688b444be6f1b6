package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hidden files (a path segment starting with '.') are refused by default, as nginx configurations usually do. */
class HiddenFilesTest {
    @TempDir
    Path root;

    @BeforeEach
    void tree() throws IOException {
        Files.createDirectories(root.resolve(".git"));
        Files.writeString(root.resolve(".git/config"), "[remote \"origin\"]\n\turl = https://token@example.org/x\n");
        Files.writeString(root.resolve(".env"), "SECRET=1\n");
        Files.createDirectories(root.resolve("app/.cache"));
        Files.writeString(root.resolve("app/.cache/x"), "x");
        Files.writeString(root.resolve("app/visible.txt"), "visible\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.git/config", "/.git/", "/.git", "/.env", "/%2egit/config", "/%2Eenv", "/app/.cache/x",
        "/app/./.cache/x", "//.env"})
    void hiddenPathsAre404ByDefault(String path) throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            RawClient.Response r = RawClient.get(s.port(), path);
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.text()).doesNotContain("SECRET").doesNotContain("origin");
        }
    }

    @Test
    void listingsOmitHiddenNamesAndVisibleFilesAreServed() throws Exception {
        try (TestServer s = new TestServer(root, HttpLimits.DEFAULT)) {
            assertThat(RawClient.get(s.port(), "/app/visible.txt").text()).isEqualTo("visible\n");
            assertThat(RawClient.get(s.port(), "/app/./visible.txt").status()).isEqualTo(200);
            String listing = RawClient.get(s.port(), "/").text();
            assertThat(listing).contains("app/").doesNotContain(".git").doesNotContain(".env");
            assertThat(RawClient.get(s.port(), "/app/").text()).contains("visible.txt").doesNotContain(".cache");
        }
    }

    @Test
    void hiddenFilesAreServedAndListedWhenAllowed() throws Exception {
        try (TestServer s = new TestServer(new StaticFileHandler(root, FileServing.DEFAULT.withHiddenFiles(true)),
                HttpLimits.DEFAULT)) {
            assertThat(RawClient.get(s.port(), "/.env").text()).isEqualTo("SECRET=1\n");
            assertThat(RawClient.get(s.port(), "/app/.cache/x").status()).isEqualTo(200);
            assertThat(RawClient.get(s.port(), "/").text()).contains(".git/").contains(".env");
        }
    }
}
