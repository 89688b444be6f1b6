package io.ktls4j.netty.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.linux.KernelTls;
import io.ktls4j.netty.example.StaticFileServer;
import io.ktls4j.testkit.JavaProcess;
import io.ktls4j.testkit.KernelRequired;
import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the lab tests of this module need from the machine: a kernel with kTLS (or, on the build host, a one-line
 * reason to skip; with {@code KTLS4J_REQUIRE_KERNEL=1}, as the lab sets it, a failure instead), the tools they run,
 * and a self-signed localhost certificate.
 */
final class LabKernel {
    static final boolean REQUIRED = KernelRequired.required();
    /**
     * Under the lab's emulation everything is ~100x slower: waits poll a condition up to this long (300 s, scaled by
     * the guest's measured slowness for a busier host).
     */
    static final long WAIT_SECONDS = Patience.of(java.time.Duration.ofSeconds(300)).toSeconds();

    private LabKernel() {
    }

    /** Null when kTLS and the tools are here; else why the tests skip (they fail instead when kTLS is required). */
    static String unavailable(String... tools) {
        if (!KernelTls.isAvailable()) {
            assertThat(REQUIRED).as("KTLS4J_REQUIRE_KERNEL=1 but: %s", KernelTls.unavailabilityCause().getMessage())
                    .isFalse();
            return "no kTLS in this kernel (" + KernelTls.unavailabilityCause().errno() + "); runs in the kernel lab";
        }
        if ("1".equals(System.getenv("KTLS4J_REQUIRE_REKEY"))) {
            assertThat(KernelTls.supportsRekey()).as("KTLS4J_REQUIRE_REKEY=1: %s", KernelTls.rekeyProbe()).isTrue();
        }
        for (String tool : tools) {
            if (!Tools.has(tool)) {
                assertThat(REQUIRED).as("%s is not installed (apt-get install %s); the kernel lab needs it", tool, tool)
                        .isFalse();
                return tool + " is not installed";
            }
        }
        return null;
    }


    /** A P-256 certificate for localhost and its key, as {cert, key}. */
    static Path[] certificate(Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-addext",
                "subjectAltName=DNS:localhost", "-days", "2", "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return new Path[] {cert, key};
    }

    /** The complete lines of a file another process appends to (a last line without its newline is left out). */
    static List<String> completeLines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String s = Files.readString(file, StandardCharsets.ISO_8859_1);
        int end = s.lastIndexOf('\n');
        return end < 0 ? List.of() : new ArrayList<>(s.substring(0, end).lines().toList());
    }

    /**
     * The java command that runs the example server in its own process, the way this JVM runs (module or class
     * path), with a quicker start under emulation; append the server's arguments.
     */
    static List<String> exampleServer() {
        List<String> options = new ArrayList<>(List.of(
                // C1 only and the serial GC: a shorter start-up under emulation
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"));
        if (StaticFileServer.class.getModule().isNamed()) {
            options.add("--add-modules=io.netty.codec.http"); // the example's optional dependency
        }
        return JavaProcess.command(StaticFileServer.class, options.toArray(String[]::new));
    }
}
