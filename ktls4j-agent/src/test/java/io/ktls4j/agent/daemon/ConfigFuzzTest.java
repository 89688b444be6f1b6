package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ktls4j.agent.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes the agent's configuration parser ({@link ConfigParser#load}, docs/AGENT.md "Configuration") with whole files.
 * The file sits in a directory that also holds a real certificate, key and PSK file ({@code cert.pem},
 * {@code key.pem}, {@code psk.hex}), so that relative references can name them. The contract on every input: a
 * configuration with at least one credential, or an {@link IOException} whose message starts with the file's path
 * (and the line, where a line is at fault), so an administrator is told where to look; no other exception.
 * Inputs naming absolute paths or {@code ..} are skipped: they would read files outside the fixture (a device file
 * such as /dev/zero is the administrator's own doing, as in any server's configuration).
 * Regression inputs in src/test/resources/io/ktls4j/agent/daemon/ConfigFuzzTestInputs: whole files.
 */
class ConfigFuzzTest {
    private static Path dir;

    private static synchronized Path fixture() throws Exception {
        if (dir == null) {
            dir = Files.createTempDirectory("ktls4j-config-fuzz");
            TestPki pki = TestPki.get();
            Files.copy(pki.certPem, dir.resolve("cert.pem"));
            Files.copy(pki.keyPem, dir.resolve("key.pem"));
            Files.writeString(dir.resolve("psk.hex"), "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        }
        return dir;
    }

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"[agent]\\x0a", "[credential default]\\x0a", "[credential x]\\x0a", "certificate = cert.pem\\x0a",
        "key = key.pem\\x0a", "trust = cert.pem\\x0a", "psk-identity = a\\x0a", "psk-key = psk.hex\\x0a", "psk-hash = sha384\\x0a",
        "client-auth = require\\x0a", "sides = client server\\x0a", "protocols = TLSv1.3 TLSv1.2\\x0a",
        "cipher-suites = TLS_AES_128_GCM_SHA256\\x0a", "allow-uid = 0 *\\x0a", "allow-gid = 65534\\x0a",
        "allow-software-return = true\\x0a", "timeout-ms = 300000\\x0a", "max-concurrent = 4\\x0a",
        "default-timeout-ms = 1\\x0a", "max-sessions = 0\\x0a", "max-unread-per-uid = 1\\x0a", " = ", "#", "\\x0d\\x0a"})
    void config(byte[] input) throws Exception {
        String text = new String(input, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (text.contains("/") || text.contains("..")) {
            return;
        }
        Path file = Files.createTempFile(fixture(), "agent", ".conf");
        try {
            Files.write(file, input);
            AgentConfig c;
            try {
                c = ConfigParser.load(file, 0);
            } catch (IOException e) {
                assertThat(e.getMessage()).as("a configuration error names the file").startsWith(file + ":");
                return;
            }
            assertThat(c.credentials()).as("a loaded configuration has a credential").isNotEmpty();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
