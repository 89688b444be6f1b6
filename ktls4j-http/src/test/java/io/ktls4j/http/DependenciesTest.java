package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The HTTP server knows nothing of TLS: TLS comes in through a {@link Transport}. Its one tie to ktls4j is the
 * sendfile seam, {@link FileSender} calling {@code KtlsChannel.transferFrom}; the Maven dependency on ktls4j-core is
 * there for that alone, and ktls4j-linux, -handshake and -agent are not dependencies at all.
 */
class DependenciesTest {
    /** A class name in a class file's constant pool (names and descriptors are stored as plain ASCII there). */
    private static final Pattern KTLS4J_CLASS = Pattern.compile("io/ktls4j/(?!http/)[\\w/$]+");

    @Test
    void onlyFileSenderUsesKtls4jCoreAndOnlyItsKtlsChannel() throws Exception {
        Path classes = Path.of(FileSender.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class") && !p.endsWith("module-info.class")).toList()) {
                Set<String> found = ktls4jClassesOutsideHttp(f);
                if (!found.isEmpty()) {
                    uses.put(classes.relativize(f).toString(), found);
                }
            }
        }
        assertThat(uses).containsOnlyKeys("io/ktls4j/http/FileSender.class");
        assertThat(uses.get("io/ktls4j/http/FileSender.class")).containsOnly("io/ktls4j/KtlsChannel");
    }

    private static Set<String> ktls4jClassesOutsideHttp(Path classFile) throws IOException {
        Matcher m = KTLS4J_CLASS.matcher(new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1));
        Set<String> found = new TreeSet<>();
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }
}
