package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.testkit.Patience;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./ktls} trains a JDK 25 AOT cache next to the jar and starts from it; a cache older than the jar is trained
 * again, and none of it prints anything. Runs a copy of the launcher over a module path made from this build's
 * classes, so that the test does not depend on the package phase.
 */
class LauncherAotCacheTest {
    /** The jars of the modules the CLI's module reads, as the build resolved them (module path or class path). */
    private static final String CLI_MODULES =
            "(ktls4j-(core|linux|handshake|agent|http)|bc(prov|pkix|tls|util)|picocli)-.*";

    @TempDir
    Path root;

    @Test
    void cacheIsTrainedUsedAndRetrainedAfterARebuildWithoutNoise() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "AOT caches from a training run need JDK 25");
        Path jar = layout();
        Path cache = root.resolve("ktls4j-cli/target/aot/cli.aot");

        Proc first = ktls("--version");
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(first.stderr()).isEmpty();
        assertThat(cache).isRegularFile();

        Proc used = ktls("--version", "-Xlog:aot=info");
        assertThat(used.out()).contains("Opened AOT cache " + cache);

        // a rebuilt jar: the cache is older and is trained again, quietly
        Files.write(cache, new byte[] {1, 2, 3});
        Files.setLastModifiedTime(cache, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        Proc again = ktls("--version");
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.stderr()).isEmpty();
        assertThat(Files.size(cache)).isGreaterThan(1_000_000);
    }

    @Test
    void aCacheTheJvmRejectsIsSkippedQuietly() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "AOT caches from a training run need JDK 25");
        Path jar = layout();
        Path cache = root.resolve("ktls4j-cli/target/aot/cli.aot");
        Files.createDirectories(cache.getParent());
        Files.write(cache, new byte[] {1, 2, 3});
        Files.setLastModifiedTime(cache, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        Proc r = ktls("--version");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).isEmpty();
        assertThat(r.out()).startsWith("ktls ");
    }

    private Proc ktls(String command, String... jvmLog) throws Exception {
        String opts = jvmLog.length == 0 ? "" : "KTLS_JAVA_OPTS=" + jvmLog[0] + " ";
        String jdk = System.getProperty("java.home");
        // -Xlog writes to stdout: the launcher's own output and the JVM's are told apart by the test, not merged
        // a JVM start, and on the first run a training run and the cache's dump
        int limit = (int) Patience.of(Duration.ofSeconds(180)).toSeconds();
        return Proc.run(List.of("bash", "-c", opts + "KTLS4J_JDK=" + jdk + " exec " + root.resolve("ktls") + " "
                + command), null, limit);
    }

    /** The launcher, its scripts and target/modules (this build's classes as ktls4j-cli.jar, the dependencies). */
    private Path layout() throws IOException {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Files.copy(repo.resolve("ktls"), root.resolve("ktls"));
        root.resolve("ktls").toFile().setExecutable(true);
        Files.createDirectories(root.resolve("bin"));
        for (String f : List.of("find-jdk.sh", "serve.jvm-options")) {
            Files.copy(repo.resolve("bin").resolve(f), root.resolve("bin").resolve(f));
        }
        Files.writeString(root.resolve("pom.xml"), "");
        Files.setLastModifiedTime(root.resolve("pom.xml"), FileTime.fromMillis(0));
        Path modules = Files.createDirectories(root.resolve("ktls4j-cli/target/modules"));
        String path = System.getProperty("jdk.module.path", "") + File.pathSeparator
                + System.getProperty("java.class.path", "");
        for (String e : path.split(File.pathSeparator)) {
            Path p = Path.of(e.isEmpty() ? "." : e);
            String name = p.getFileName() == null ? "" : p.getFileName().toString();
            if (name.endsWith(".jar") && name.matches(CLI_MODULES) && Files.isRegularFile(p)
                    && !Files.exists(modules.resolve(name))) {
                Files.copy(p, modules.resolve(name));
            }
        }
        Path jar = modules.resolve("ktls4j-cli.jar");
        Path classes = Path.of("target/classes").toAbsolutePath();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, (OutputStream) out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
