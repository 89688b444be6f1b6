package io.ktls4j.lab.guest;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
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
@Tag(LabTags.KERNEL)
class GuestKernelSanityTest {
    /** Linux 6.1 prints the first twelve counters of tls_stat; the five rekey counters came with 6.14. */
    private static final int LINUX_6_1_TLS_STAT_COUNTERS = 12;

    private static String release() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    }

    /** Whether the running kernel is at least {@code major.minor}. */
    private static boolean atLeast(String release, int major, int minor) {
        String[] v = release.split("[.-]");
        int ma = Integer.parseInt(v[0]);
        int mi = Integer.parseInt(v[1]);
        return ma > major || (ma == major && mi >= minor);
    }

    @Test
    void runsInsideTheLabKernel() throws IOException {
        assertThat(System.getenv("KTLS4J_IN_LAB")).as("KTLS4J_IN_LAB").isEqualTo("1");
        String release = release();
        assertThat(release).isEqualTo(System.getenv("KTLS4J_LAB_KERNEL"));
        // pass 1 boots Debian 12's 6.1; pass 3 the newer kernel with rekey, and says so with KTLS4J_REQUIRE_REKEY
        if ("1".equals(System.getenv("KTLS4J_REQUIRE_REKEY"))) {
            assertThat(atLeast(release, 6, 14)).as(release + " >= 6.14").isTrue();
        } else {
            assertThat(release).startsWith("6.1.");
        }
        assertThat(System.getProperty("os.version")).isEqualTo(release);
    }

    @Test
    void tlsStatListsTheCountersOfThisKernelInKernelOrder() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/tls_stat"));
        List<String> names = lines.stream().map(l -> l.split("\\s+")[0]).toList();
        int count = atLeast(release(), 6, 14) ? TlsStat.values().length : LINUX_6_1_TLS_STAT_COUNTERS;
        List<String> expected = Arrays.stream(TlsStat.values()).limit(count).map(Enum::name).toList();
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

    /**
     * The probes find exactly what this pass's kernel is known to have (KTLS4J_EXPECT_KTLS, from the lab's pom: each
     * pass pins its kernel's features), so a probe that wrongly says "no" fails here instead of quietly turning the
     * kernel tests of that feature into skips. Entries: {@code VERSION/CIPHER}, {@code rekey},
     * {@code tx-max-payload-len}, {@code rx-expect-no-pad}; a leading {@code !} expects the feature absent.
     */
    @Test
    void theProbesFindTheFeaturesThisKernelIsKnownToHave() {
        String expected = System.getenv("KTLS4J_EXPECT_KTLS");
        assertThat(expected).as("KTLS4J_EXPECT_KTLS (set by the lab for each pass)").isNotBlank();
        assertThat(io.ktls4j.linux.KernelTls.isAvailable()).as("kTLS").isTrue();
        for (String entry : expected.split(",")) {
            boolean want = !entry.startsWith("!");
            String feature = entry.replaceFirst("^!", "").strip();
            boolean has = switch (feature) {
                case "rekey" -> io.ktls4j.linux.KernelTls.supportsRekey();
                case "tx-max-payload-len" -> io.ktls4j.linux.KernelTls.supportsTxMaxPayloadLen();
                case "rx-expect-no-pad" -> io.ktls4j.linux.KernelTls.supportsRxExpectNoPad();
                default -> {
                    String[] vc = feature.split("/");
                    yield io.ktls4j.linux.KernelTls.supports(io.ktls4j.TlsVersion.valueOf(vc[0]),
                            io.ktls4j.CipherType.valueOf(vc[1]));
                }
            };
            assertThat(has).as(feature + " on " + System.getenv("KTLS4J_LAB_KERNEL") + " ("
                    + io.ktls4j.linux.KernelTls.describe() + ")").isEqualTo(want);
        }
    }
}
