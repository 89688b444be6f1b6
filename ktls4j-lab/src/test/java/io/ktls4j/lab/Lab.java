package io.ktls4j.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The host side of the kernel lab: asks {@code src/lab/lab.sh} whether the lab can run here, and runs the JUnit
 * Platform Console Launcher inside the lab's VM. Configured by the system properties the module's pom sets
 * ({@code ktls4j.lab.*}).
 */
final class Lab {
    /** Tests carrying this tag run only in the pass booted with {@code module_blacklist=tls} (testkit's LabTags). */
    static final String NO_TLS_MODULE_TAG = io.ktls4j.testkit.LabTags.NO_TLS_MODULE;
    /** lab.sh's exit status for "the lab cannot run on this machine". */
    private static final int UNAVAILABLE = 3;
    /** Surefire's default class-name patterns, so the guest selects the same classes a host build would. */
    static final String TEST_CLASS_NAMES = "^(Test.*|.+[.$]Test.*|.*Tests?|.*TestCase)$";

    private final Path script = Path.of(property("ktls4j.lab.script"));
    final Path dir = Path.of(property("ktls4j.lab.dir"));

    /** The result of one VM run. {@code commandExitCode} is empty when the guest never reported one. */
    record Run(String name, Path out, int labExitCode, OptionalInt commandExitCode, String labOutput,
               Duration elapsed, GuestClasspath classpath) {
        Path reports() {
            return out.resolve("reports");
        }
    }

    /** Why the lab cannot run on this machine, or {@code null} when it can. */
    String unavailability() throws IOException, InterruptedException {
        return check(List.of(script.toString(), "--check"));
    }

    private static String check(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "lab.sh --check did not answer within 60 s";
        }
        if (p.exitValue() == 0) {
            return null;
        }
        return p.exitValue() == UNAVAILABLE ? output : "lab.sh --check failed (" + p.exitValue() + "): " + output;
    }

    /** Test-class directories of modules with test sources whose classes have not been compiled. */
    List<String> uncompiledTestClasses() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String d : property("ktls4j.lab.testClasses").split(",")) {
            Path classes = Path.of(d.strip());
            Path sources = classes.getParent().getParent().resolve("src/test/java");
            if (containsFile(sources, ".java") && !containsFile(classes, ".class")) {
                missing.add(classes.normalize().toString());
            }
        }
        return missing;
    }

    /**
     * One VM run: its name (the {@code ktls4j.lab.timeout.NAME} property gives its limit on an idle host, scaled by
     * the host's measured slowness), whether the tls module loads, the unpacked kernel to boot ({@code null}: the host's /boot kernel), extra environment for the tests,
     * and the JUnit tags (testkit's {@code LabTags}) of the test classes it runs, over every module's test classes.
     */
    record Pass(String name, boolean tlsModule, Path kernelRoot, List<String> env, Set<String> tags) {
    }

    /** Why lab.sh cannot boot the unpacked kernel under {@code kernelRoot}, or {@code null} when it can. */
    String unavailability(Path kernelRoot) throws IOException, InterruptedException {
        return check(List.of(script.toString(), "--kernel-root", kernelRoot.toString(), "--check"));
    }

    /**
     * Boots the lab and runs the console launcher on the pass's tagged test classes, in the run's writable export
     * (its working directory). With the tls module KTLS4J_REQUIRE_KERNEL=1 is set, so a kernel test cannot pass by
     * skipping; without it the VM is booted with {@code module_blacklist=tls}.
     */
    Run run(Pass pass) throws IOException, InterruptedException {
        String name = pass.name();
        boolean tlsModule = pass.tlsModule();
        Path out = dir.resolve(name);
        // a limit catches a hang, not a busy host: qemu emulates on host threads, so a host already busy when the
        // lab starts (measured once, before any VM runs) stretches every pass by about as much
        long timeout = (long) Math.ceil(Long.parseLong(property("ktls4j.lab.timeout." + name))
                * io.ktls4j.testkit.Patience.factor());
        List<String> cmd = new ArrayList<>(List.of(script.toString(), "--out", out.toString(),
                "--timeout", Long.toString(timeout), "--cwd", out.toString()));
        if (pass.kernelRoot() != null) {
            cmd.addAll(List.of("--kernel-root", pass.kernelRoot().toString()));
        }
        if (tlsModule) {
            cmd.addAll(List.of("--env", "KTLS4J_REQUIRE_KERNEL=1"));
        } else {
            cmd.add("--no-tls-module");
        }
        for (String e : pass.env()) {
            cmd.addAll(List.of("--env", e));
        }
        cmd.add("--");
        // inside the guest, a hung test gets a thread dump (SIGQUIT, into the console log) before it is killed
        cmd.addAll(List.of("timeout", "--signal=QUIT", "--kill-after=15", Long.toString(guestTimeout(timeout))));
        GuestClasspath classpath = snapshot(dir.resolve(name + "-classpath"));
        cmd.addAll(launcherCommand(classpath, out.resolve("reports"), pass.tags()));

        Path log = dir.resolve(name + ".lab.log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(timeout + 60, TimeUnit.SECONDS)) {
                stop(p);
            }
        } catch (InterruptedException e) {
            // the test run ended without this pass's result (a filtered run): no VM left running after the build
            stop(p);
            throw e;
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Path exitCode = out.resolve("exit-code");
        OptionalInt commandExit = Files.isRegularFile(exitCode)
                ? OptionalInt.of(Integer.parseInt(Files.readString(exitCode).strip()))
                : OptionalInt.empty();
        return new Run(name, out, p.exitValue(), commandExit, Files.readString(log), elapsed, classpath);
    }

    /** Kills lab.sh and what it started (timeout(1) and qemu would outlive the script). */
    private static void stop(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** The time the tests get inside the guest: the VM's limit less boot, shutdown and the kill grace. */
    static long guestTimeout(long vmTimeout) {
        return Math.max(30, vmTimeout - 60);
    }

    /** A copy of the guest classpath; retried because a concurrent rebuild may delete files while it copies. */
    private GuestClasspath snapshot(Path into) throws IOException {
        List<Path> testDirs = Arrays.stream(property("ktls4j.lab.testClasses").split(","))
                .map(d -> Path.of(d.strip())).toList();
        for (int attempt = 1; ; attempt++) {
            try {
                return GuestClasspath.snapshot(into, Path.of(property("ktls4j.lab.launcherJar")), testDirs,
                        Path.of(property("ktls4j.lab.classpathFile")));
            } catch (IOException | UncheckedIOException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private List<String> launcherCommand(GuestClasspath classpath, Path reports, Set<String> tags) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(property("ktls4j.lab.jvmArgs").strip().split("\\s+")));
        cmd.addAll(List.of("-cp", classpath.joined(), "org.junit.platform.console.ConsoleLauncher", "execute",
                "--disable-banner", "--details=testfeed", "--disable-ansi-colors",
                "--reports-dir", reports.toString(), "--include-classname", TEST_CLASS_NAMES, "--fail-if-no-tests"));
        for (Path dir : classpath.testClassDirs()) {
            cmd.add("--scan-classpath=" + dir);
        }
        for (String tag : tags) {
            cmd.addAll(List.of("--include-tag", tag));
        }
        return cmd;
    }

    private static boolean containsFile(Path root, String suffix) throws IOException {
        if (!Files.isDirectory(root)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(suffix));
        }
    }

    static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set (run the lab through Maven: "
                    + "./mvnw -pl ktls4j-lab verify)");
        }
        return value;
    }
}
