package io.ktls4j.netty.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.linux.KernelTls;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.Tools;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example server on a kernel without the tls module (the lab's second boot blacklists it; the build host has
 * none either): with the default policy it falls back to the software record layer for TX, says so in its banner
 * and per connection, and serves files intact.
 */
@Tag(LabTags.NO_TLS_MODULE)
class ExampleServerWithoutTlsModuleLabTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void onlyWithoutKtls() {
        if ("1".equals(System.getenv("KTLS4J_IN_LAB")) && "0".equals(System.getenv("KTLS4J_LAB_TLS_MODULE"))) {
            assertThat(KernelTls.isAvailable()).as("the lab blacklisted the tls module").isFalse();
        }
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS; this test is for kernels without");
        if (!"1".equals(System.getenv("KTLS4J_IN_LAB"))) { // in the lab a missing tool fails the test
            Tools.require("curl", "openssl");
        }
    }

    @Test
    void theServerFallsBackToSoftwareAndSaysSo() throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        byte[] file = new byte[1 << 20];
        new Random(4).nextBytes(file);
        Files.write(www.resolve("one.bin"), file);
        Path[] pair = LabKernel.certificate(tmp);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        io.netty.channel.Channel server;
        try {
            server = io.ktls4j.netty.example.ExampleLauncher.start("--root", www.toString(), "--cert",
                    pair[0].toString(), "--key", pair[1].toString(), "--port", "0", "--transport", "epoll",
                    "--handshake-timeout", String.valueOf(LabKernel.WAIT_SECONDS), "--log");
            try {
                int port = ((InetSocketAddress) server.localAddress()).getPort();
                Path got = tmp.resolve("got");
                Process curl = new ProcessBuilder("curl", "-sS", "--max-time", String.valueOf(LabKernel.WAIT_SECONDS),
                        "--cacert", pair[0].toString(), "-o", got.toString(), "https://localhost:" + port + "/one.bin")
                        .redirectErrorStream(true).start();
                String curlOut = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(curl.waitFor(LabKernel.WAIT_SECONDS + 60, TimeUnit.SECONDS)).isTrue();
                assertThat(curl.exitValue()).as(curlOut).isZero();
                assertThat(Files.readAllBytes(got)).isEqualTo(file);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LabKernel.WAIT_SECONDS);
                while (!out.toString(StandardCharsets.UTF_8).contains("handshake ") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
            } finally {
                server.close().sync();
            }
        } finally {
            System.setOut(stdout);
        }
        String said = out.toString(StandardCharsets.UTF_8);
        System.out.print(said);
        assertThat(said).as("the banner").contains("backend AUTO, no kTLS: ").contains("ENOENT");
        assertThat(said).as("the connection's placement").contains("tx=SOFTWARE (fallback: ")
                .contains("rx=SOFTWARE (");
    }
}
