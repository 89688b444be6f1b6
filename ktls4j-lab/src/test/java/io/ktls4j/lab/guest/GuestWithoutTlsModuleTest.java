package io.ktls4j.lab.guest;

import io.ktls4j.testkit.LabTags;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs only inside the kernel lab's VM, in the pass booted with {@code module_blacklist=tls} (tag
 * {@code no-tls-module}): proves that pass really has no kTLS, so the software-fallback tests of the kernel
 * backend test what they claim.
 */
@Tag(LabTags.NO_TLS_MODULE)
class GuestWithoutTlsModuleTest {

    @Test
    void theTlsModuleIsBlacklistedAndCannotBeLoaded() throws Exception {
        assertThat(System.getenv("KTLS4J_IN_LAB")).as("KTLS4J_IN_LAB").isEqualTo("1");
        assertThat(System.getenv("KTLS4J_LAB_TLS_MODULE")).isEqualTo("0");
        assertThat(Files.readString(Path.of("/proc/cmdline"))).contains("module_blacklist=tls");

        Process modprobe = new ProcessBuilder("modprobe", "tls").redirectErrorStream(true).start();
        String output = new String(modprobe.getInputStream().readAllBytes());
        assertThat(modprobe.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(modprobe.exitValue()).as("modprobe tls: " + output).isNotZero();

        assertThat(Path.of("/proc/net/tls_stat")).doesNotExist();
        String ulps = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_available_ulp")).strip();
        assertThat(ulps.split(" ")).doesNotContain("tls");
    }
}
