package io.ktls4j.lab.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.TlsStat;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs only inside the kernel lab's VM (pass 1, tls module loaded; excluded from the host's surefire run): proves
 * the guest is the lab kernel with a working kTLS module and loopback, before any kernel backend test runs.
 */
class GuestKernelSanityTest {
    /** Linux 6.1 prints the first twelve counters of tls_stat; the rekey counters came with 6.14. */
    private static final int LINUX_6_1_TLS_STAT_COUNTERS = 12;

    @Test
    void runsInsideTheLabKernel() throws IOException {
        assertThat(System.getenv("KTLS4J_IN_LAB")).as("KTLS4J_IN_LAB").isEqualTo("1");
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        assertThat(release).isEqualTo(System.getenv("KTLS4J_LAB_KERNEL")).startsWith("6.1.");
        assertThat(System.getProperty("os.version")).isEqualTo(release);
    }

    @Test
    void tlsStatListsTheTwelveCountersOfLinux61InKernelOrder() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/tls_stat"));
        List<String> names = lines.stream().map(l -> l.split("\\s+")[0]).toList();
        List<String> expected = Arrays.stream(TlsStat.values()).limit(LINUX_6_1_TLS_STAT_COUNTERS)
                .map(Enum::name).toList();
        assertThat(names).containsExactlyElementsOf(expected);
        assertThat(lines).allSatisfy(l -> assertThat(l.split("\\s+")[1]).containsOnlyDigits());
    }

    @Test
    void tlsIsAnAvailableTcpUlp() throws IOException {
        String ulps = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_available_ulp")).strip();
        assertThat(ulps.split(" ")).contains("tls");
        assertThat(System.getenv("KTLS4J_LAB_TLS_MODULE")).isEqualTo("1");
    }

    @Test
    void loopbackCarriesTcp() throws Exception {
        byte[] payload = new byte[256 * 1024];
        new Random(61).nextBytes(payload);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[payload.length];
                    new DataInputStream(in).readFully(buf);
                    return buf;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 OutputStream out = client.getOutputStream()) {
                out.write(payload);
            }
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(payload);
        }
    }
}
