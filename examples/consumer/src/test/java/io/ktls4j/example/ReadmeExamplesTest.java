package io.ktls4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's client and server examples are this project's code, character for character: each README block
 * after {@code <!-- example: NAME -->} equals the lines between {@code // README:NAME begin} and {@code end} of the
 * example's source (indentation removed), so the README cannot show code that does not compile or run.
 */
class ReadmeExamplesTest {
    private static final Path README = Path.of("../../README.md");

    @Test
    void theClientExampleIsTheReadmes() throws IOException {
        assertEquals(fromSource("Client.java", "client"), fromReadme("client"));
    }

    @Test
    void theServerExampleIsTheReadmes() throws IOException {
        assertEquals(fromSource("Server.java", "server"), fromReadme("server"));
    }

    private static String fromReadme(String name) throws IOException {
        List<String> lines = Files.readAllLines(README);
        int marker = lines.indexOf("<!-- example: " + name + " -->");
        assertTrue(marker >= 0, "README.md has no <!-- example: " + name + " --> marker");
        int start = marker + 1;
        assertEquals("```java", lines.get(start), "a java block follows the marker");
        int end = lines.subList(start + 1, lines.size()).indexOf("```") + start + 1;
        return String.join("\n", lines.subList(start + 1, end));
    }

    private static String fromSource(String file, String name) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/main/java/io/ktls4j/example", file));
        int begin = indexOfTrimmed(lines, "// README:" + name + " begin");
        int end = indexOfTrimmed(lines, "// README:" + name + " end");
        List<String> block = lines.subList(begin + 1, end);
        int indent = block.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return block.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n"));
    }

    private static int indexOfTrimmed(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(text)) {
                return i;
            }
        }
        throw new AssertionError("no line " + text);
    }
}
