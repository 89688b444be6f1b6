package io.ktls4j.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The classpath of one lab run, copied just before the VM boots. The guest reads the host's files live over 9p
 * for minutes, so without a copy a concurrent rebuild of a module (another {@code mvnw} in the same checkout)
 * would change or delete classes under the running tests. The copy lives under {@code target/lab/}, which the
 * guest sees at the same path through the read-only root.
 */
record GuestClasspath(List<Path> entries, List<Path> testClassDirs) {

    /**
     * Copies {@code launcherJar}, the {@code testClassDirs} that exist and every entry of the
     * Maven-written {@code classpathFile} into {@code into} (emptied first).
     */
    static GuestClasspath snapshot(Path into, Path launcherJar, List<Path> testClassDirs, Path classpathFile)
            throws IOException {
        deleteTree(into);
        Files.createDirectories(into);
        List<Path> entries = new ArrayList<>();
        List<Path> tests = new ArrayList<>();
        entries.add(copy(launcherJar, into, 0));
        for (Path d : testClassDirs) {
            if (Files.isDirectory(d)) {
                Path copied = copy(d, into, entries.size());
                entries.add(copied);
                tests.add(copied);
            }
        }
        for (String e : Files.readString(classpathFile).strip().split(":")) {
            if (!e.isBlank()) {
                entries.add(copy(Path.of(e), into, entries.size()));
            }
        }
        return new GuestClasspath(List.copyOf(entries), List.copyOf(tests));
    }

    String joined() {
        return String.join(":", entries.stream().map(Path::toString).toList());
    }

    /**
     * The top-level test classes (by {@code classNames}) that carry one of {@code tags} as a JUnit {@code @Tag}: found
     * in the class files themselves (the annotation's descriptor and the tag as a constant-pool string), so the lab
     * knows what each pass must have run without loading a class.
     */
    Set<String> classesTagged(Set<String> tags, String classNames) throws IOException {
        byte[] tagAnnotation = "Lorg/junit/jupiter/api/Tag;".getBytes(StandardCharsets.UTF_8);
        Set<String> found = new TreeSet<>();
        for (Path root : testClassDirs) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".class") && !f.toString().contains("$"))
                        .toList()) {
                    String rel = root.relativize(f).toString();
                    String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                    if (!name.matches(classNames)) {
                        continue;
                    }
                    byte[] bytes = Files.readAllBytes(f);
                    if (indexOf(bytes, tagAnnotation) >= 0 && tags.stream().anyMatch(t -> hasUtf8Constant(bytes, t))) {
                        found.add(name);
                    }
                }
            }
        }
        return found;
    }

    /** Whether the class file's constant pool holds exactly {@code text} (tag 1, u2 length, bytes). */
    private static boolean hasUtf8Constant(byte[] classFile, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] entry = new byte[3 + t.length];
        entry[0] = 1;
        entry[1] = (byte) (t.length >>> 8);
        entry[2] = (byte) t.length;
        System.arraycopy(t, 0, entry, 3, t.length);
        return indexOf(classFile, entry) >= 0;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Copies a jar or a class directory to {@code into/<index>-<file name>}. */
    private static Path copy(Path source, Path into, int index) throws IOException {
        Path src = source.toAbsolutePath().normalize();
        String label = src.getFileName().toString();
        if (Files.isDirectory(src) && src.getParent() != null && src.getParent().getParent() != null) {
            label = src.getParent().getParent().getFileName() + "-" + label; // <module>-test-classes
        }
        Path target = into.resolve(String.format("%02d-%s", index, label));
        if (!Files.isDirectory(src)) {
            return Files.copy(src, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
        try (Stream<Path> tree = Files.walk(src)) {
            tree.forEach(p -> {
                try {
                    Path t = target.resolve(src.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return target;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
