package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.agent.AgentClient;
import io.ktls4j.agent.AgentException;
import io.ktls4j.agent.AgentFixture;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.EchoPeer;
import io.ktls4j.agent.HandshakeRequest;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Stopping the agent: new requests are refused at once, a handshake in progress gets the grace period and is then
 * aborted with a clear status, and the socket file goes away.
 */
class AgentStopTest {

    @Test
    void aStopAbortsWhatOutlastsTheGraceAndRemovesTheSocket() throws Exception {
        AgentFixture fixture = AgentFixture.withConfig("""
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-software-return = true
                """);
        AgentClient agent = fixture.agent();
        try (EchoPeer peer = new EchoPeer(); SocketChannel ch = SocketChannel.open(peer.address())) {
            CompletableFuture<Exception> stalled = CompletableFuture.supplyAsync(() -> {
                try {
                    agent.handshake(ch, HandshakeRequest.client("localhost").timeout(Duration.ofSeconds(120)).build());
                    return null;
                } catch (Exception e) {
                    return e;
                }
            });
            assertThat(peer.socket().getInputStream().read()).as("the handshake is running").isEqualTo(22);
            long start = System.nanoTime();
            fixture.close();
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(ms).as("the grace before aborting").isBetween(AgentDaemon.STOP_GRACE_MILLIS - 500,
                    AgentDaemon.STOP_GRACE_MILLIS + 5000);
            assertThat(stalled.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(AgentException.class, e -> {
                assertThat(e.status()).isEqualTo(AgentStatus.INTERNAL_ERROR);
                assertThat(e.getMessage()).contains("the agent stopped during the handshake");
            });
        }
        assertThat(Files.exists(fixture.socket())).isFalse();
        assertThatThrownBy(() -> AgentClient.connect(fixture.socket())).hasMessageContaining("ENOENT");
        fixture.awaitLog("stopped after", 1000);
    }
}
