package io.ktls4j.handshake.lab;

import java.time.Duration;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.Patience;
import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.Ktls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resumption with both directions in the kernel on both ends. TLS 1.3: the server's NewSessionTickets go out as a
 * handshake control record through kTLS TX, the client reads them as control records through kTLS RX, and the next
 * connection resumes and is keyed into the kernel again. TLS 1.2: the session is resumed by the ID the server gave
 * (nothing after the handshake), and the keys from the resumed master secret go into the kernel. Skips without kTLS,
 * unless {@code KTLS4J_REQUIRE_KERNEL=1}.
 */
@Tag(LabTags.KERNEL)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class KernelResumptionLabTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsKernel() {
        if (!KernelTls.isAvailable()) {
            assertThat(System.getenv("KTLS4J_REQUIRE_KERNEL")).as("KTLS4J_REQUIRE_KERNEL=1 but: %s",
                    KernelTls.unavailabilityCause().getMessage()).isNotEqualTo("1");
            assumeThat(false).as("no kTLS in this kernel (%s); runs in the kernel lab",
                    KernelTls.unavailabilityCause().errno()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void theResumedSessionInTheKernelBothWays(TlsVersion version) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-addext",
                "subjectAltName=DNS:localhost", "-days", "2", "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        KtlsContext server = KtlsContext.forServer(cert, key).protocols(version)
                .cipherSuites(version == TlsVersion.TLS_1_3 ? TlsCipherSuite.TLS_AES_128_GCM_SHA256
                        : TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
                .backend(Ktls.backend(BackendPolicy.KERNEL_REQUIRED))
                .handshakeTimeout(Patience.of(Duration.ofSeconds(60))).build();
        KtlsContext client = KtlsContext.forClient().trustManager(cert)
                .backend(Ktls.backend(BackendPolicy.KERNEL_REQUIRED))
                .handshakeTimeout(Patience.of(Duration.ofSeconds(60))).build();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = listener.socket().getLocalPort();
            for (int i = 0; i < 2; i++) {
                CompletableFuture<Boolean> served = CompletableFuture.supplyAsync(() -> {
                    try (KtlsConnection c = server.accept(listener.accept())) {
                        assertThat(c.backend(Direction.TX).isKernel()).isTrue();
                        assertThat(c.backend(Direction.RX).isKernel()).isTrue();
                        c.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
                        c.read(ByteBuffer.allocate(8));
                        return c.isResumed();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                try (KtlsConnection c = client.connect("localhost", port)) {
                    assertThat(c.version()).isEqualTo(version);
                    assertThat(c.backend(Direction.RX).isKernel()).isTrue();
                    assertThat(c.backend(Direction.TX).isKernel()).isTrue();
                    ByteBuffer b = ByteBuffer.allocate(16);
                    while (b.position() < 6) {
                        assertThat(c.read(b)).isNotNegative();
                    }
                    c.write(ByteBuffer.wrap("x\n".getBytes(StandardCharsets.US_ASCII)));
                    assertThat(c.isResumed()).as("connection " + i).isEqualTo(i == 1);
                    if (version == TlsVersion.TLS_1_3) {
                        assertThat(c.sessionTicketsReceived()).as("read as control records").isPositive();
                    } else {
                        assertThat(c.sessionTicketsReceived()).as("a session ID: nothing after the handshake").isZero();
                    }
                }
                assertThat(served.get(60, TimeUnit.SECONDS)).isEqualTo(i == 1);
            }
        }
    }
}
