package io.ktls4j.agent.lab;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.KernelRequired;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.Direction;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.agent.AgentFixture;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.JsseEcho;
import io.ktls4j.agent.Lines;
import io.ktls4j.linux.KernelTls;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** On a kTLS kernel the agent installs both directions in the kernel, and the consumer's records flow there. */
@Tag(LabTags.KERNEL_FIRST)
@ExtendWith(KernelRequired.class)
class KernelPlacementTest {
    private static AgentFixture fixture;

    @BeforeAll
    static void agent() throws Exception {
        fixture = AgentFixture.withConfig("""
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                timeout-ms = %d
                """.formatted(Math.min(Patience.millis(60_000), HandshakeRequest.MAX_TIMEOUT_MS)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void bothDirectionsRunInTheKernel(String protocol) throws Exception {
        long txBefore = KernelTls.statistics().get(TlsStat.TlsTxSw);
        try (JsseEcho peer = new JsseEcho(protocol); SocketChannel ch = SocketChannel.open(peer.address())) {
            KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build());
            assertThat(c.version()).isEqualTo(protocol.equals("TLSv1.3") ? TlsVersion.TLS_1_3 : TlsVersion.TLS_1_2);
            assertThat(c.backend(Direction.TX).isKernel()).isTrue();
            assertThat(c.backend(Direction.RX).isKernel()).isTrue();
            for (int i = 0; i < 3; i++) {
                Lines.send(c, "line " + i + " through the kernel");
                assertThat(Lines.receive(c)).isEqualTo("LINE " + i + " THROUGH THE KERNEL");
            }
            c.close();
        }
        assertThat(KernelTls.statistics().get(TlsStat.TlsTxSw)).isGreaterThan(txBefore);
    }
}
