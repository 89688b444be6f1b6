package io.ktls4j.netty.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.Ktls;
import io.ktls4j.netty.KtlsSession;
import io.ktls4j.netty.Peer;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.netty.Server;
import io.ktls4j.netty.Transport;
import io.ktls4j.testkit.LabTags;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Control records with TX in the kernel (KtlsHandler on epoll, KERNEL_REQUIRED), against {@code openssl s_client}
 * and {@code s_server}: the peer's KeyUpdates (opened in the pipeline on every kernel), answering
 * {@code update_requested} and updating on request through the kernel's TX (the next {@code TLS_TX} on Linux 6.14+,
 * the lab's third boot; on 6.1 the clear feature error naming 6.14, before any KeyUpdate is sent), close_notify
 * both ways (ours sent with {@code TLS_SET_RECORD_TYPE} in order after the data), and a client reading
 * NewSessionTickets. Skips without kTLS (the host), fails instead with {@code KTLS4J_REQUIRE_KERNEL=1}.
 */
@Tag(LabTags.KERNEL)
class ControlRecordsKernelLabTest {
    private static final Duration WAIT = Duration.ofSeconds(LabKernel.WAIT_SECONDS);
    @TempDir
    static Path tmp;
    private static String skipReason;
    private static EventLoopGroup group;
    private static Path cert;
    private static Path key;
    private final List<PeerProcess> processes = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        skipReason = LabKernel.unavailable("openssl");
        if (skipReason != null) {
            System.out.println("ControlRecordsKernelLabTest skipped: " + skipReason);
            return;
        }
        group = Transport.EPOLL.group(1);
        Path[] pair = LabKernel.certificate(tmp);
        cert = pair[0];
        key = pair[1];
    }

    @AfterAll
    static void tearDown() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @BeforeEach
    void skipWithoutKernelTls() {
        assumeTrue(skipReason == null, skipReason);
    }

    @AfterEach
    void stopPeers() {
        processes.forEach(PeerProcess::close);
    }

    private static KtlsContext serverContext() throws Exception {
        return KtlsContext.forServer(cert, key).cipherSuites(TlsCipherSuite.TLS_AES_128_GCM_SHA256)
                .backend(Ktls.backend(BackendPolicy.KERNEL_REQUIRED)).handshakeTimeout(WAIT).build();
    }

    private PeerProcess sClient(int port) throws Exception {
        // no -quiet: it turns s_client's k/K/Q commands off
        PeerProcess p = PeerProcess.start(tmp, List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-CAfile", cert.toString(), "-verify_return_error", "-tls1_3",
                "-ciphersuites", "TLS_AES_128_GCM_SHA256"));
        processes.add(p);
        return p;
    }

    /** An s_client KeyUpdate command, then a wait until the handler has read it (s_client drops the rest of a read). */
    private static void keyUpdate(PeerProcess p, String command, Peer netty, int nth) throws Exception {
        p.write(command + "\n");
        long end = System.nanoTime() + WAIT.toNanos();
        while (netty.tls.keyUpdatesReceived() < nth) {
            assertThat(System.nanoTime()).as("%s was not acted on: %s", command, p.describe()).isLessThan(end);
            Thread.sleep(10);
        }
    }

    private static KtlsSession txInTheKernel(Peer p) throws Exception {
        KtlsSession s = p.awaitHandshake();
        assertThat(s.backend(Direction.TX)).isEqualTo(BackendKind.KERNEL_SW);
        assertThat(s.backend(Direction.RX)).isEqualTo(BackendKind.SOFTWARE);
        return s;
    }

    @Test
    void keyUpdatesBothWaysWithTxInTheKernel() throws Exception {
        try (Server server = new Server(Transport.EPOLL, group, serverContext(), false)) {
            PeerProcess client = sClient(server.port());
            try (Peer s = server.accept()) {
                txInTheKernel(s);
                client.awaitOutput("Verify return code: 0", WAIT);
                client.write("before\n");
                assertThat(s.inbox.readLine()).isEqualTo("before");
                keyUpdate(client, "k", s, 1); // update_not_requested: the pipeline's RX follows on every kernel
                client.write("after-k\n");
                assertThat(s.inbox.readLine()).isEqualTo("after-k");
                TlsStatistics before = KernelTls.statistics();

                if (!KernelTls.supportsRekey()) {
                    ChannelFuture ours = s.tls.keyUpdate(false).await();
                    assertThat(ours.cause()).as("our KeyUpdate, refused before it is sent")
                            .isInstanceOf(KernelFeatureException.class).hasMessageContaining("6.14");
                    s.write("still fine\n");
                    client.awaitOutput("still fine", WAIT);
                    client.write("K\n"); // update_requested: TX cannot follow on this kernel
                    s.awaitClosed();
                    assertThat(s.exceptions).anySatisfy(e -> assertThat(e)
                            .isInstanceOf(KernelFeatureException.class).hasMessageContaining("6.14"));
                    return;
                }
                keyUpdate(client, "K", s, 2); // update_requested: answered through the kernel, next TLS_TX
                client.write("after-K\n");
                assertThat(s.inbox.readLine()).isEqualTo("after-K");
                assertThat(s.tls.keyUpdatesSent()).isEqualTo(1);
                s.write("server-after-K\n");
                client.awaitOutput("server-after-K", WAIT);

                s.tls.keyUpdate(true).sync(); // ours, asking OpenSSL to update too
                StringBuilder bulk = new StringBuilder();
                for (int i = 0; i < 2048; i++) {
                    bulk.append("line-").append(i).append("-0123456789abcdef0123456789abcdef\n");
                }
                s.write(bulk + "server-after-own-update\n");
                client.awaitOutput("server-after-own-update", WAIT);
                assertThat(client.output()).contains("line-2047-0123456789abcdef");
                client.write("reply\n");
                assertThat(s.inbox.readLine()).isEqualTo("reply");
                assertThat(s.tls.keyUpdatesSent()).isEqualTo(2);
                assertThat(s.tls.keyUpdatesReceived()).as("OpenSSL answered our update_requested").isEqualTo(3);
                TlsStatistics after = KernelTls.statistics();
                assertThat(after.get(TlsStat.TlsTxRekeyOk) - before.get(TlsStat.TlsTxRekeyOk))
                        .as("the kernel's TX took two next keys").isEqualTo(2);
                assertThat(after.get(TlsStat.TlsTxRekeyError)).isEqualTo(before.get(TlsStat.TlsTxRekeyError));
                assertThat(s.exceptions).isEmpty();
            }
            assertThat(client.output()).doesNotContain(":error:");
        }
    }

    @Test
    void closeNotifyBothWays() throws Exception {
        try (Server server = new Server(Transport.EPOLL, group, serverContext(), false)) {
            PeerProcess client = sClient(server.port());
            try (Peer s = server.accept()) {
                txInTheKernel(s);
                client.awaitOutput("Verify return code: 0", WAIT);
                s.write("last words\n");
                s.channel.close().sync(); // close_notify as a control record, after the data
                client.awaitOutput("last words", WAIT);
                client.awaitOutput("closed", WAIT);
                assertThat(s.exceptions).isEmpty();
            }
            assertThat(client.waitFor(WAIT)).as(client.describe()).isZero();

            PeerProcess second = sClient(server.port());
            try (Peer s = server.accept()) {
                txInTheKernel(s);
                second.awaitOutput("Verify return code: 0", WAIT);
                second.write("Q\n"); // s_client sends close_notify
                s.awaitClosed();
                assertThat(s.events).contains(SslCloseCompletionEvent.SUCCESS);
                assertThat(s.exceptions).isEmpty();
            }
        }
    }

    @Test
    void aClientWithTxInTheKernelReadsNewSessionTickets() throws Exception {
        int port = PeerProcess.freePort();
        PeerProcess server = PeerProcess.startWithDataStdout(tmp, List.of("openssl", "s_server", "-accept",
                "127.0.0.1:" + port, "-naccept", "1", "-cert", cert.toString(), "-key", key.toString(), "-tls1_3",
                "-quiet"));
        processes.add(server);
        io.ktls4j.netty.Peers.awaitPort(port);
        KtlsContext ctx = KtlsContext.forClient().trustManager(cert)
                .backend(Ktls.backend(BackendPolicy.KERNEL_REQUIRED)).handshakeTimeout(WAIT).build();
        TlsStatistics before = KernelTls.statistics();
        try (Peer c = Peer.connect(Transport.EPOLL, group, ctx, "localhost", port, false)) {
            txInTheKernel(c);
            c.write("hello s_server\n");
            byte[] want = "hello s_server\n".getBytes(StandardCharsets.US_ASCII);
            assertThat(server.stdout().readNBytes(want.length)).isEqualTo(want);
            server.stdin().write("hello netty\n".getBytes(StandardCharsets.US_ASCII));
            server.stdin().flush();
            assertThat(c.inbox.readLine()).isEqualTo("hello netty");
            assertThat(c.tls.sessionTicketsReceived()).as("OpenSSL sends two NewSessionTickets").isEqualTo(2);
            assertThat(KernelTls.statistics().get(TlsStat.TlsTxSw) - before.get(TlsStat.TlsTxSw)).isEqualTo(1);
            c.channel.close().sync();
            assertThat(c.exceptions).isEmpty();
        }
        assertThat(server.waitFor(WAIT)).as(server.describe()).isZero();
    }
}
