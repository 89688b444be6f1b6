package io.ktls4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's examples run as users run them: their own JVM on the module path with ktls4j's published jars and
 * {@code --enable-native-access=io.ktls4j.linux}; the client against {@code openssl s_server}, the server answering
 * curl. Without openssl or curl these skip, unless {@code KTLS4J_REQUIRE_INTEROP=1} (CI) makes that a failure.
 */
class ExamplesTest {
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT .*:(\\d+)");
    private static final Pattern LISTENING = Pattern.compile("listening on .*:(\\d+)");

    @TempDir
    Path dir;

    @BeforeEach
    void certificate() throws Exception {
        require("openssl");
        run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1",
                "-keyout", "key.pem", "-out", "chain.pem");
        Files.copy(dir.resolve("chain.pem"), dir.resolve("ca.pem"));
    }

    @Test
    void theClientFetchesFromOpensslServer() throws Exception {
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "0", "-www", "-cert", "chain.pem",
                "-key", "key.pem").directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            int port = await(server, ACCEPT);
            Process client = example("Client", "localhost", Integer.toString(port));
            String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client ended");
            assertEquals(0, client.exitValue(), out);
            assertTrue(out.startsWith("HTTP/1.0 200 ok"), out);
            assertTrue(out.contains("s_server -accept 0 -www"), out);
        } finally {
            server.destroyForcibly();
        }
    }

    @Test
    void theServerAnswersCurl() throws Exception {
        require("curl");
        Process server = example("Server", "0");
        try {
            int port = await(server, LISTENING);
            Process curl = new ProcessBuilder("curl", "-sS", "--cacert", "chain.pem", "https://localhost:" + port + "/")
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, curl.exitValue(), out);
            assertEquals("hello over kTLS\n", out);
        } finally {
            server.destroyForcibly();
        }
    }

    /** Starts an example in its own JVM on the module path this test runs with (ktls4j's jars and the example). */
    private Process example(String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=io.ktls4j.linux", "--module-path", System.getProperty("jdk.module.path"),
                "--module", "io.ktls4j.example/io.ktls4j.example." + main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    /** Reads the process's output until a line matches {@code p}; returns its group 1 (a port). */
    private static int await(Process p, Pattern pattern) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
            try {
                StringBuilder seen = new StringBuilder();
                for (String line; (line = in.readLine()) != null; ) {
                    seen.append(line).append('\n');
                    Matcher m = pattern.matcher(line);
                    if (m.find()) {
                        return Integer.parseInt(m.group(1));
                    }
                }
                throw new IllegalStateException("no line matched " + pattern + " before the end: " + seen);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return port.get(120, TimeUnit.SECONDS);
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    private static void require(String tool) {
        boolean found = false;
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= Files.isExecutable(Path.of(d, tool));
        }
        if (!found && "1".equals(System.getenv("KTLS4J_REQUIRE_INTEROP"))) {
            throw new AssertionError("KTLS4J_REQUIRE_INTEROP=1 but " + tool + " is not on the PATH");
        }
        Assumptions.assumeTrue(found, tool + " is not installed");
    }
}
