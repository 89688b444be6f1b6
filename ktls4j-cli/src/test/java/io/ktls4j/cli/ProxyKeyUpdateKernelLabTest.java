package io.ktls4j.cli;

import static io.ktls4j.cli.ProxyKernelLabTest.log;
import static io.ktls4j.cli.ProxyKernelLabTest.stat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.sw.SoftwareBackend;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.Patience;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KeyUpdate through {@code ktls proxy} with both directions of its TLS session in the kernel and the plaintext
 * moved by {@code splice(2)} (Linux 6.14+: the lab's newer kernel). The client asks for an update every 64 KiB of a
 * 1 MiB echo while the echo streams back: the proxy's client-to-backend thread reads each KeyUpdate (splice stops at
 * the control record), installs the next RX key and answers with its own KeyUpdate, while its backend-to-client
 * thread splices into the same socket; the answer must fall between records, never among them. The echo arrives
 * intact, the client receives the proxy's KeyUpdates under the keys it expects, and {@code /proc/net/tls_stat} counts
 * one kernel RX rekey per client KeyUpdate and one TX rekey per answer, with no decryption error.
 *
 * <p>Skips on a kernel without kTLS rekey, unless the lab ({@code KTLS4J_IN_LAB=1}) makes that a failure.
 */
@Tag(LabTags.KERNEL_NEWEST)
class ProxyKeyUpdateKernelLabTest {
    private static final int SIZE = 1 << 20;
    private static final int UPDATE_EVERY = 64 << 10;
    private static final boolean REQUIRED = "1".equals(System.getenv("KTLS4J_IN_LAB"));

    @TempDir
    Path tmp;

    @Test
    void keyUpdatesBothWaysWhileTheEchoIsSpliced() throws Exception {
        if (!KernelTls.isAvailable() || !KernelTls.supportsRekey()) {
            String why = !KernelTls.isAvailable() ? KernelTls.unavailabilityCause().getMessage()
                    : "no kTLS rekey: " + KernelTls.rekeyProbe();
            assertThat(REQUIRED).as("in the lab's newer kernel but: %s", why).isFalse();
            assumeTrue(false, "needs kTLS with TLS 1.3 rekey (Linux 6.14+); runs in the kernel lab's newer kernel");
        }
        try (ProxyBackends backends = new ProxyBackends();
             ProxyProcess proxy = ProxyProcess.start(tmp.resolve("proxy.err"), List.of(),
                     List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"),
                     List.of("--backend", "kernel", "--splice", "auto", "--state-dir", tmp.resolve("state").toString(),
                             "--handshake-timeout", Long.toString(Patience.of(Duration.ofSeconds(60)).toSeconds()),
                             "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + backends.start(ProxyBackends::echo)))) {
            TlsStatistics before = KernelTls.statistics();
            KtlsContext client = KtlsContext.forClient().trustManager(tmp.resolve("state/localhost-cert.pem"))
                    .handshakeTimeout(Patience.of(Duration.ofSeconds(60))).backend(new SoftwareBackend()).build();
            byte[] sent = new byte[SIZE];
            new Random(3).nextBytes(sent);
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long total;
            long updatesReceived;
            try (KtlsConnection c = client.connect(SocketChannel.open(new InetSocketAddress("127.0.0.1",
                    proxy.port(0))), "localhost")) {
                try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                    total = threads.submit(() -> EchoClient.echo(c, sent, UPDATE_EVERY, received))
                            .get(Patience.millis(180_000), TimeUnit.MILLISECONDS);
                }
                assertThat(c.keyUpdatesSent()).isEqualTo(SIZE / UPDATE_EVERY);
                updatesReceived = c.keyUpdatesReceived();
                assertThat(c.closeNotifyReceived()).isTrue();
            }
            assertThat(total).isEqualTo(SIZE);
            assertThat(received.digest()).as("the echo, intact across the key updates")
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(sent));
            // the proxy answers each request before its next record; requests that arrive while it has sent nothing
            // since the last answer are answered once (RFC 8446 §4.6.3)
            assertThat(updatesReceived).as("the proxy's KeyUpdates").isBetween(1L, (long) SIZE / UPDATE_EVERY);

            Patience.await(Duration.ofSeconds(60), () -> log(proxy).contains(" in=" + SIZE + " "),
                    () -> "the connection's log line in " + log(proxy));
            String line = log(proxy).lines().filter(l -> l.contains(" in=" + SIZE + " ")).findFirst().orElseThrow();
            System.out.println("ProxyKeyUpdateKernelLabTest: " + line + " (client: " + updatesReceived
                    + " KeyUpdates received)");
            assertThat(line).contains("tx=KERNEL_SW rx=KERNEL_SW").contains("relay=splice")
                    .contains(" in=" + SIZE + " out=" + SIZE + " ");
            TlsStatistics after = KernelTls.statistics();
            assertThat(after.get(TlsStat.TlsRxRekeyOk) - before.get(TlsStat.TlsRxRekeyOk)).as("TlsRxRekeyOk")
                    .isEqualTo(SIZE / UPDATE_EVERY);
            assertThat(after.get(TlsStat.TlsTxRekeyOk) - before.get(TlsStat.TlsTxRekeyOk)).as("TlsTxRekeyOk")
                    .isEqualTo(updatesReceived);
            assertThat(after.get(TlsStat.TlsDecryptError)).isEqualTo(before.get(TlsStat.TlsDecryptError));
            assertThat(stat(TlsStat.TlsRxRekeyError)).isEqualTo(before.get(TlsStat.TlsRxRekeyError));
        }
    }
}
