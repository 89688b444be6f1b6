package io.ktls4j.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import io.ktls4j.testkit.LabTags;

/**
 * Runs the kernel backend's tests (and the lab's own guest tests) inside a real kTLS kernel: Debian's 6.1 under
 * qemu, see {@code src/lab/lab.sh}. Pass 1 loads the {@code tls} module; pass 2 boots with
 * {@code module_blacklist=tls} and runs only the tests tagged {@value Lab#NO_TLS_MODULE_TAG}; pass 3 boots a newer
 * kernel (see {@link #testsPassOnTheNewerKernel}).
 *
 * <p>The passes are independent VMs, and each qemu emulates on one host thread (single-threaded TCG: the guest JVM
 * crashed in JIT-patched code under multi-threaded TCG), so pass 1 runs beside passes 2 then 3: on two cores the
 * lab takes about as long as its longest pass instead of the sum. The test methods wait for their pass's result; a
 * run that selects some of them still boots every pass, and stops the unfinished ones when the class ends.
 *
 * <p>Skips (one line) where the lab cannot run, or where the host kernel itself has kTLS (the kernel tests then
 * run natively in ktls4j-linux). With {@code KTLS4J_REQUIRE_LAB=1} (CI) an unavailable lab is a failure, and the
 * lab runs even on a kTLS host. {@code target/lab/LAB_RAN} is written only when pass 1 ran tests in the guest.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelLabTest {
    private static final boolean REQUIRE_LAB = "1".equals(System.getenv("KTLS4J_REQUIRE_LAB"));
    /** Exit codes of timeout(1) in the guest: the tests hit their limit (and were killed after the thread dump). */
    private static final int TIMED_OUT = 124;
    private static final int KILLED = 137;
    /** Test classes with a pass's tags that did not run in that pass. */
    private static final Set<String> taggedButNotRun = new TreeSet<>();
    /** Test classes with a lab tag, over all passes. */
    private static final Set<String> tagged = new TreeSet<>();
    /** The first kTLS kernel (Debian's 6.1): every kernel test, and the ones that need to run once. */
    private static final Set<String> PASS1_TAGS = Set.of(LabTags.KERNEL, LabTags.KERNEL_FIRST);
    /** The tls module blacklisted. */
    private static final Set<String> PASS2_TAGS = Set.of(LabTags.NO_TLS_MODULE);
    /** The newer kernel: every kernel test, and the ones kept for it (none at the moment). */
    private static final Set<String> PASS3_TAGS = Set.of(LabTags.KERNEL, LabTags.KERNEL_NEWEST);
    private static Lab lab;
    private static Path marker;
    private static String skipReason;
    /** Why the newer kernel cannot boot, or {@code null} when pass 3 runs. */
    private static String newerKernelUnavailable;
    private static ExecutorService vms;
    private static Future<Lab.Run> pass1;
    private static Future<Lab.Run> pass2;
    private static Future<Lab.Run> pass3;

    @BeforeAll
    static void labMustBeAbleToRun() throws Exception {
        lab = new Lab();
        Files.createDirectories(lab.dir);
        marker = lab.dir.resolve("LAB_RAN");
        Files.deleteIfExists(marker);
        if (!REQUIRE_LAB && hostHasKtls()) {
            skip("the host kernel has kTLS: ktls4j-linux's tests run natively there (KTLS4J_REQUIRE_LAB=1 runs the lab anyway)");
            return;
        }
        String reason = lab.unavailability();
        if (reason != null) {
            if (REQUIRE_LAB) {
                fail("KTLS4J_REQUIRE_LAB=1 but the kernel lab cannot run: " + reason);
            }
            skip(reason);
            return;
        }
        var uncompiled = lab.uncompiledTestClasses();
        assertThat(uncompiled).as("test classes to run in the lab were never compiled; build them first "
                + "(./mvnw -pl ktls4j-lab -am verify)").isEmpty();
        startThePasses();
    }

    private static void startThePasses() throws IOException, InterruptedException {
        Path root = Path.of(Lab.property("ktls4j.lab.kernel2.root"));
        newerKernelUnavailable = Files.isDirectory(root) ? lab.unavailability(root)
                : root + " does not exist (run ktls4j-lab/src/lab/fetch-kernel.sh)";
        Path newerKernel = newerKernelUnavailable == null ? root.toRealPath() : null;
        vms = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "kernel-lab-vm");
            t.setDaemon(true);
            return t;
        });
        pass1 = vms.submit(() -> lab.run(new Lab.Pass("pass1", true, null, expect("ktls4j.lab.features.pass1"),
                PASS1_TAGS)));
        pass2 = vms.submit(() -> lab.run(new Lab.Pass("pass2", false, null, List.of(), PASS2_TAGS)));
        if (newerKernel != null) {
            // waits in the pool's queue for the first free VM thread: pass 2's, normally
            List<String> env = new ArrayList<>(expect("ktls4j.lab.features.pass3"));
            env.add("KTLS4J_REQUIRE_REKEY=1");
            pass3 = vms.submit(() -> lab.run(new Lab.Pass("pass3", true, newerKernel, env, PASS3_TAGS)));
        }
        vms.shutdown();
    }

    @AfterAll
    static void stopThePasses() {
        if (vms != null) {
            vms.shutdownNow();
        }
    }

    /** The pass's result; each VM run is bounded by its own timeout, so this wait is too. */
    private static Lab.Run awaitRun(Future<Lab.Run> pass) throws Exception {
        try {
            return pass.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Surefire does not print why a class was aborted in {@code @BeforeAll}: say it once, skip each test. */
    private static void skip(String reason) {
        skipReason = "kernel lab skipped: " + reason;
        System.out.println(skipReason);
    }

    @BeforeEach
    void skipWhereTheLabCannotRun() {
        assumeTrue(skipReason == null, skipReason);
    }

    @Test
    @Order(1)
    void testsPassWithTheTlsModuleLoaded() throws Exception {
        Lab.Run run = awaitRun(pass1);
        LabReports reports = LabReports.read(run.reports());
        record(run, reports, PASS1_TAGS);
        String summary = summarize(run, reports, "tls module loaded");
        if (reports.total().tests() > 0 && run.commandExitCode().isPresent()) {
            Files.writeString(marker, summary);
        }
        assertPassed(run, reports);
        assertThat(reports.total().tests()).as("tests run in the guest by pass 1").isPositive();
    }

    @Test
    @Order(2)
    void noTlsModuleTestsPassWithTheModuleBlacklisted() throws Exception {
        Lab.Run run = awaitRun(pass2);
        LabReports reports = LabReports.read(run.reports());
        record(run, reports, PASS2_TAGS);
        String summary = summarize(run, reports, "module_blacklist=tls, tag " + Lab.NO_TLS_MODULE_TAG);
        if (Files.exists(marker)) {
            Files.writeString(marker, summary, StandardOpenOption.APPEND);
        }
        assertPassed(run, reports);
    }

    /**
     * Pass 3: the newer kernel (Debian unstable's, unpacked by {@code src/lab/fetch-kernel.sh}; 7.x has TLS 1.3
     * rekey and {@code TLS_TX_MAX_PAYLOAD_LEN}), with KTLS4J_REQUIRE_REKEY=1 so tests of those features cannot pass
     * by skipping. Without the unpacked kernel this pass skips, or fails with {@code KTLS4J_REQUIRE_LAB=1}.
     */
    @Test
    @Order(3)
    void testsPassOnTheNewerKernel() throws Exception {
        if (newerKernelUnavailable != null) {
            if (REQUIRE_LAB) {
                fail("KTLS4J_REQUIRE_LAB=1 but the newer lab kernel cannot boot: " + newerKernelUnavailable);
            }
            assumeTrue(false, "newer lab kernel unavailable: " + newerKernelUnavailable);
        }
        Lab.Run run = awaitRun(pass3);
        LabReports reports = LabReports.read(run.reports());
        record(run, reports, PASS3_TAGS);
        String summary = summarize(run, reports, "newer kernel "
                + Path.of(Lab.property("ktls4j.lab.kernel2.root")).toRealPath().getFileName()
                + ", KTLS4J_REQUIRE_REKEY=1");
        if (Files.exists(marker)) {
            Files.writeString(marker, summary, StandardOpenOption.APPEND);
        }
        assertPassed(run, reports);
        assertThat(reports.total().tests()).as("tests run in the guest by pass 3").isPositive();
    }

    /** Guards the lab's classpath and tags: a test class with a pass's tag that did not run there is a lab bug. */
    @Test
    @Order(4)
    void everyTaggedTestClassRanInItsPasses() {
        assertThat(tagged).as("test classes with a lab tag").isNotEmpty();
        assertThat(taggedButNotRun).as("tagged test classes that did not run in their pass").isEmpty();
    }

    /** The kernel features the pass's kernel is known to have, for the guest to check the probes against. */
    private static List<String> expect(String property) {
        return List.of("KTLS4J_EXPECT_KTLS=" + Lab.property(property));
    }

    private static void record(Lab.Run run, LabReports reports, Set<String> tags) throws IOException {
        Set<String> expected = run.classpath().classesTagged(tags, Lab.TEST_CLASS_NAMES);
        tagged.addAll(expected);
        for (String c : expected) {
            // a class of @Nested groups reports its nested classes only
            if (reports.byClass.keySet().stream().noneMatch(k -> k.equals(c) || k.startsWith(c + "$"))) {
                taggedButNotRun.add(run.name() + ": " + c);
            }
        }
    }

    private static String summarize(Lab.Run run, LabReports reports, String what) {
        String summary = reports.summary(String.format("kernel lab %s (%s), %ds", run.name(), what,
                run.elapsed().toSeconds()));
        System.out.print(summary);
        for (String f : reports.failures) {
            System.out.println("FAILED " + f);
        }
        return summary;
    }

    private static void assertPassed(Lab.Run run, LabReports reports) {
        if (run.commandExitCode().isEmpty()) {
            fail("the guest command did not complete (lab.sh exit " + run.labExitCode() + "):\n" + tail(run.labOutput()));
        }
        int exit = run.commandExitCode().getAsInt();
        if (exit == TIMED_OUT || exit == KILLED) {
            fail("the tests timed out in the guest (exit " + exit + "); the thread dump is in " + run.out()
                    + ".console.log; raise -Dlab.timeout." + run.name() + "=SECONDS if they are merely slow:\n"
                    + tail(run.labOutput()));
        }
        assertThat(reports.files).as("JUnit XML reports in " + run.reports()).isPositive();
        assertThat(reports.failures.size()).as("failed tests in the lab (console log: " + run.out()
                + ".console.log):\n" + failureHeadlines(reports)).isZero();
        assertThat(exit).as("console launcher exit code in the guest:\n"
                + tail(run.labOutput())).isZero();
    }

    /** The failed tests with the first line of each reason: Surefire's summary shows this message, not the log. */
    private static String failureHeadlines(LabReports reports) {
        StringBuilder out = new StringBuilder();
        for (String f : reports.failures) {
            String first = f.lines().findFirst().orElse(f);
            out.append("  ").append(first.length() > 400 ? first.substring(0, 400) + "..." : first).append('\n');
        }
        return out.toString();
    }

    private static String tail(String text) {
        var lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** The host kernel can do kTLS itself: tls_stat exists or the tls module loads. */
    private static boolean hostHasKtls() throws InterruptedException {
        if (Files.exists(Path.of("/proc/net/tls_stat"))) {
            return true;
        }
        for (String modprobe : new String[] {"modprobe", "/sbin/modprobe", "/usr/sbin/modprobe"}) {
            try {
                Process p = new ProcessBuilder(modprobe, "tls").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return false;
                }
                return p.exitValue() == 0;
            } catch (IOException notThere) {
                // try the next location
            }
        }
        return false;
    }
}
