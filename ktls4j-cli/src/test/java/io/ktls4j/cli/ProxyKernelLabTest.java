package io.ktls4j.cli;

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
import io.ktls4j.testkit.StraceLog;
import io.ktls4j.testkit.Tools;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ktls proxy --backend kernel} in the kernel lab, under {@code strace}, in front of an echo server: 2 MiB up
 * and the same 2 MiB back arrive intact, both directions of the proxy's TLS session are in the kernel, and the
 * payload moved by {@code splice(2)} only: the splice calls add up to each byte twice per direction (into a pipe and
 * out of it), while the calls that copy through user space ({@code read}, {@code write}, {@code recvmsg},
 * {@code sendmsg} ... on TCP sockets) carry only the handshake and the alerts. {@code /proc/net/tls_stat} counts the
 * one session each way (the client here runs the software record layer, so only the proxy's count) and its close.
 *
 * <p>Skips on a kernel without kTLS (the host), unless the lab ({@code KTLS4J_IN_LAB=1},
 * {@code KTLS4J_REQUIRE_KERNEL=1}) makes that a failure.
 */
@Tag(LabTags.KERNEL_FIRST)
class ProxyKernelLabTest {
    private static final int SIZE = 2 << 20;
    /** Bytes the copying calls may carry on TCP sockets: handshakes, tickets, alerts. */
    private static final long NON_PAYLOAD_LIMIT = 64 << 10;
    private static final boolean REQUIRED = "1".equals(System.getenv("KTLS4J_REQUIRE_KERNEL"))
            || "1".equals(System.getenv("KTLS4J_IN_LAB"));
    private static final List<String> COPYING_CALLS = List.of("read", "readv", "recvfrom", "recvmsg", "write",
            "writev", "sendto", "sendmsg", "sendfile");

    @TempDir
    Path tmp;

    @Test
    void bothDirectionsMoveBySpliceOnlyWithTheTlsSessionInTheKernel() throws Exception {
        if (!KernelTls.isAvailable()) {
            assertThat(REQUIRED).as("KTLS4J_REQUIRE_KERNEL=1 but: %s", KernelTls.unavailabilityCause().getMessage())
                    .isFalse();
            assumeTrue(false, "no kTLS in this kernel; runs in the kernel lab");
        }
        if (REQUIRED) {
            assertThat(Tools.has("strace")).as("strace in the lab (apt-get install strace)").isTrue();
        } else {
            Tools.require("strace");
        }
        Path strace = tmp.resolve("strace.log");
        try (ProxyBackends backends = new ProxyBackends();
             ProxyProcess proxy = ProxyProcess.start(tmp.resolve("proxy.err"),
                     List.of("strace", "-f", "--seccomp-bpf", "-qq", "-yy", "-e", "trace=splice,"
                             + String.join(",", COPYING_CALLS), "-o", strace.toString()),
                     // C1 only and the serial GC: a shorter start-up under emulation
                     List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"),
                     List.of("--backend", "kernel", "--splice", "auto", "--state-dir", tmp.resolve("state").toString(),
                             "--handshake-timeout", Long.toString(Patience.of(Duration.ofSeconds(60)).toSeconds()),
                             "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + backends.start(ProxyBackends::echo)))) {
            // counted once the proxy is up: its start-up probes of the kernel's kTLS open sessions of their own
            TlsStatistics before = KernelTls.statistics();
            // a cold handshake takes longer than the client's default 10 s under emulation
            KtlsContext client = KtlsContext.forClient().trustManager(tmp.resolve("state/localhost-cert.pem"))
                    .handshakeTimeout(Patience.of(Duration.ofSeconds(60))).backend(new SoftwareBackend()).build();
            // More idle relays than the proxy has carrier threads (one per CPU): each one's reader waits for the
            // client's next record. A wait that pinned its carrier in the kernel would leave none to serve the
            // connection below, and the transfer would not finish in time.
            List<KtlsConnection> idle = new ArrayList<>();
            for (int i = 0; i <= Runtime.getRuntime().availableProcessors(); i++) {
                idle.add(client.connect(SocketChannel.open(new InetSocketAddress("127.0.0.1", proxy.port(0))),
                        "localhost"));
            }
            Patience.await(Duration.ofSeconds(60), () -> stat(TlsStat.TlsCurrRxSw) - before.get(TlsStat.TlsCurrRxSw)
                    == idle.size(), () -> "the idle connections' RX keys in the kernel");
            byte[] sent = new byte[SIZE];
            new Random(2).nextBytes(sent);
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long total;
            try (KtlsConnection c = client.connect(SocketChannel.open(new InetSocketAddress("127.0.0.1",
                    proxy.port(0))), "localhost")) {
                try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                    total = threads.submit(() -> EchoClient.echo(c, sent, 0, received))
                            .get(Patience.millis(120_000), TimeUnit.MILLISECONDS);
                }
                assertThat(c.closeNotifyReceived()).isTrue();
            }
            for (KtlsConnection c : idle) {
                c.close();
            }
            assertThat(total).isEqualTo(SIZE);
            assertThat(received.digest()).as("the echo, intact")
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(sent));

            Patience.await(Duration.ofSeconds(60), () -> log(proxy).contains(" in=" + SIZE + " "),
                    () -> "the connection's log line in " + log(proxy));
            String line = log(proxy).lines().filter(l -> l.contains(" in=" + SIZE + " ")).findFirst().orElseThrow();
            System.out.println("ProxyKernelLabTest: " + line);
            assertThat(line).contains("tx=KERNEL_SW rx=KERNEL_SW").contains("relay=splice")
                    .contains(" in=" + SIZE + " out=" + SIZE + " ").contains("end=\"closed by client and backend\"");

            Patience.await(Duration.ofSeconds(60), () -> stat(TlsStat.TlsCurrTxSw) == before.get(TlsStat.TlsCurrTxSw)
                    && stat(TlsStat.TlsCurrRxSw) == before.get(TlsStat.TlsCurrRxSw), () -> "the sessions closed");
            TlsStatistics after = KernelTls.statistics();
            int sessions = idle.size() + 1;
            assertThat(after.get(TlsStat.TlsTxSw) - before.get(TlsStat.TlsTxSw)).as("TlsTxSw").isEqualTo(sessions);
            assertThat(after.get(TlsStat.TlsRxSw) - before.get(TlsStat.TlsRxSw)).as("TlsRxSw").isEqualTo(sessions);
            assertThat(after.get(TlsStat.TlsDecryptError)).isEqualTo(before.get(TlsStat.TlsDecryptError));
            proxy.close(); // strace writes a call's line when it returns: all of them once the proxy has exited
            List<StraceLog.Call> calls = StraceLog.parse(Files.readAllLines(strace));
            long spliced = calls.stream().filter(k -> k.name().equals("splice") && k.result() > 0)
                    .mapToLong(StraceLog.Call::result).sum();
            List<StraceLog.Call> copying = new ArrayList<>(calls.stream()
                    .filter(k -> COPYING_CALLS.contains(k.name()) && k.line().contains("<TCP") && k.result() > 0)
                    .toList());
            long copied = copying.stream().mapToLong(StraceLog.Call::result).sum();
            System.out.printf("ProxyKernelLabTest: splice moved %d bytes; copying calls on TCP sockets %d bytes in"
                    + " %d calls%n", spliced, copied, copying.size());
            assertThat(spliced).as("splice: each byte into a pipe and out of it, each way").isEqualTo(4L * SIZE);
            assertThat(copied).as("bytes through user space on TCP sockets: %s", copying)
                    .isLessThan(NON_PAYLOAD_LIMIT);
        }
    }

    static long stat(TlsStat s) {
        try {
            return KernelTls.statistics().get(s);
        } catch (IOException e) {
            return -1;
        }
    }

    static String log(ProxyProcess p) {
        try {
            return p.log();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
