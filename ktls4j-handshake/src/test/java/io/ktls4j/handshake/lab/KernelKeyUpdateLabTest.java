package io.ktls4j.handshake.lab;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.Patience;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ktls4j.Direction;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.Ktls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS 1.3 KeyUpdate with both directions in the kernel, against {@code openssl s_client} (its {@code k}/{@code K}
 * stdin commands): on a kernel with rekey (6.14+, the lab's pass 3) every update installs the next key in the kernel
 * (TLS_RX after the peer's KeyUpdate, TLS_TX after ours) and the traffic goes on; on a kernel without it (6.1, pass 1)
 * the peer's KeyUpdate is a {@link KernelFeatureException} naming 6.14. Skips without kTLS, unless
 * {@code KTLS4J_REQUIRE_KERNEL=1}; {@code KTLS4J_REQUIRE_REKEY=1} requires the rekey case.
 */
@Tag(LabTags.KERNEL)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class KernelKeyUpdateLabTest {
    private static final long WAIT_SECONDS = 90;

    @TempDir
    Path dir;
    private Path cert;
    private Path key;
    private Process client;
    private final StringBuffer clientOut = new StringBuffer();

    @BeforeEach
    void setUp() throws Exception {
        if (!KernelTls.isAvailable()) {
            assertThat(System.getenv("KTLS4J_REQUIRE_KERNEL")).as("KTLS4J_REQUIRE_KERNEL=1 but: %s",
                    KernelTls.unavailabilityCause().getMessage()).isNotEqualTo("1");
            assumeThat(false).as("no kTLS in this kernel (%s); runs in the kernel lab",
                    KernelTls.unavailabilityCause().errno()).isTrue();
        }
        if ("1".equals(System.getenv("KTLS4J_REQUIRE_REKEY"))) {
            assertThat(KernelTls.supportsRekey()).as("KTLS4J_REQUIRE_REKEY=1: " + KernelTls.rekeyProbe()).isTrue();
        }
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "2",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.destroyForcibly();
        }
    }

    @Test
    void keyUpdatesBothWaysInstallTheNextKeysInTheKernel() throws Exception {
        TlsStatistics before = KernelTls.statistics();
        KtlsContext server = KtlsContext.forServer(cert, key).cipherSuites(TlsCipherSuite.TLS_AES_128_GCM_SHA256)
                .backend(Ktls.backend(BackendPolicy.KERNEL_REQUIRED))
                .handshakeTimeout(Patience.of(Duration.ofSeconds(60))).build();
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            startClient(port);
            try (KtlsConnection c = server.accept(listener.accept())) {
                assertThat(c.backend(Direction.TX).isKernel()).isTrue();
                assertThat(c.backend(Direction.RX).isKernel()).isTrue();
                awaitClientOutput("Verify return code: 0");
                command("before\n");
                assertThat(readLine(c)).isEqualTo("before");

                command("k\n"); // KeyUpdate, update_not_requested
                command("after-k\n");
                if (!KernelTls.supportsRekey()) {
                    assertThatThrownBy(() -> readLine(c)).isInstanceOf(KernelFeatureException.class)
                            .hasMessageContaining("6.14");
                    return;
                }
                assertThat(readLine(c)).isEqualTo("after-k");
                assertThat(c.keyUpdatesReceived()).isEqualTo(1);
                assertThat(c.keyUpdatesSent()).isZero();

                command("K\n"); // update_requested: we must answer with our own KeyUpdate
                command("after-K\n");
                assertThat(readLine(c)).isEqualTo("after-K");
                assertThat(c.keyUpdatesReceived()).isEqualTo(2);
                assertThat(c.keyUpdatesSent()).isEqualTo(1);
                write(c, "server-after-K\n");
                awaitClientOutput("server-after-K");

                c.keyUpdate(true); // ours, asking OpenSSL to update too
                StringBuilder bulk = new StringBuilder();
                for (int i = 0; i < 4096; i++) {
                    bulk.append("line-").append(i).append("-0123456789abcdef0123456789abcdef\n");
                }
                write(c, bulk + "server-after-own-update\n");
                awaitClientOutput("server-after-own-update");
                assertThat(clientOut.toString()).contains("line-4095-0123456789abcdef");
                command("reply\n");
                assertThat(readLine(c)).isEqualTo("reply");
                assertThat(c.keyUpdatesSent()).isEqualTo(2);
                assertThat(c.keyUpdatesReceived()).as("OpenSSL answered our update_requested").isEqualTo(3);
                assertThat(c.backend(Direction.TX).isKernel()).isTrue();
                assertThat(c.backend(Direction.RX).isKernel()).isTrue();
            }
        }
        TlsStatistics after = KernelTls.statistics();
        assertThat(after.get(TlsStat.TlsRxRekeyOk) - before.get(TlsStat.TlsRxRekeyOk)).isEqualTo(3);
        assertThat(after.get(TlsStat.TlsTxRekeyOk) - before.get(TlsStat.TlsTxRekeyOk)).isEqualTo(2);
        assertThat(after.get(TlsStat.TlsRxRekeyError)).isEqualTo(before.get(TlsStat.TlsRxRekeyError));
        assertThat(after.get(TlsStat.TlsTxRekeyError)).isEqualTo(before.get(TlsStat.TlsTxRekeyError));
        assertThat(clientOut.toString()).doesNotContain(":error:");
    }

    private void startClient(int port) throws IOException {
        // No -quiet: it would turn off s_client's k/K commands.
        client = new ProcessBuilder(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername",
                "localhost", "-CAfile", cert.toString(), "-verify_return_error", "-tls1_3", "-ciphersuites",
                "TLS_AES_128_GCM_SHA256")).redirectErrorStream(true).start();
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = client.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    clientOut.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    /**
     * One line to s_client's stdin. s_client reads stdin in chunks and takes a whole chunk starting with k/K as the
     * command, so after a command this waits for its "KEYUPDATE" line before anything else is written.
     */
    private void command(String line) throws IOException, InterruptedException {
        int updates = count(clientOut.toString(), "KEYUPDATE");
        OutputStream in = client.getOutputStream();
        in.write(line.getBytes(StandardCharsets.US_ASCII));
        in.flush();
        if (line.equals("k\n") || line.equals("K\n")) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (count(clientOut.toString(), "KEYUPDATE") == updates) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("s_client did not take the " + line.strip() + " command:\n" + clientOut);
                }
                Thread.sleep(20);
            }
        }
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            n++;
        }
        return n;
    }

    private void awaitClientOutput(String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!clientOut.toString().contains(text)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("openssl s_client never printed \"" + text + "\"; it printed:\n" + clientOut);
            }
            Thread.sleep(20);
        }
    }

    private static void write(KtlsConnection c, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** One line (without its newline) of what the peer sends. */
    private static String readLine(KtlsConnection c) throws IOException {
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new IOException("end of stream after \"" + line + "\"");
            }
            if (one.position() == 1) {
                char ch = (char) one.get(0);
                if (ch == '\n') {
                    return line.toString();
                }
                line.append(ch);
            }
        }
    }
}
