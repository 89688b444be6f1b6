package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.agent.AgentException;
import io.ktls4j.agent.AgentFixture;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.JsseEcho;
import io.ktls4j.agent.Lines;
import io.ktls4j.agent.TestPki;
import io.ktls4j.handshake.KtlsConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Reloading the configuration: new requests see the new credentials, a handshake in progress finishes with the
 * configuration it started with, and a broken file leaves the old configuration in place.
 */
class ReloadTest {
    private static final String WITH_OLD = """
            [credential old]
            certificate = $CERT
            key = $KEY
            trust = $CERT
            allow-software-return = true
            """;
    private static final String WITH_NEW = WITH_OLD.replace("[credential old]", "[credential new]");

    @Test
    void aReloadSwapsCredentialsWithoutDroppingAHandshakeInProgress() throws Exception {
        try (AgentFixture fixture = AgentFixture.withConfig(WITH_OLD);
             ServerSocketChannel listener = ServerSocketChannel.open()
                     .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Path conf = fixture.dir.resolve("agent.conf");
            // a JSSE client that connects now but starts its handshake only after the reload
            CompletableFuture<Void> go = new CompletableFuture<>();
            CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) TestPki.get().clientContext().getSocketFactory()
                        .createSocket(InetAddress.getLoopbackAddress(), listener.socket().getLocalPort())) {
                    go.get(10, TimeUnit.SECONDS);
                    s.getOutputStream().write("in flight\n".getBytes());
                    return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream())).readLine();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SocketChannel accepted = listener.accept()) {
                CompletableFuture<KtlsConnection> inFlight = CompletableFuture.supplyAsync(() -> {
                    try {
                        return fixture.agent().handshake(accepted, HandshakeRequest.server().credential("old")
                                .timeout(Duration.ofSeconds(20)).build());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                long end = System.currentTimeMillis() + 5000;
                while (fixture.daemon.activeHandshakes() == 0 && System.currentTimeMillis() < end) {
                    Thread.sleep(10);
                }
                assertThat(fixture.daemon.activeHandshakes()).isEqualTo(1);
                TestPki.get().config(fixture.dir, WITH_NEW);
                assertThat(fixture.daemon.reload()).isTrue();
                assertThat(fixture.daemon.config().credentials()).containsOnlyKeys("new");
                go.complete(null);
                try (KtlsConnection c = inFlight.get(20, TimeUnit.SECONDS)) {
                    assertThat(Lines.receive(c)).isEqualTo("in flight");
                    Lines.send(c, "finished with the old credential");
                }
                assertThat(client.get(10, TimeUnit.SECONDS)).isEqualTo("finished with the old credential");
            }
            fixture.awaitLog("reloaded: AgentConfig[" + conf + ": [new]", 1000);
            assertNewOnly(fixture);
            // a broken file: the reload fails, the previous configuration stays
            Files.writeString(conf, "[credential broken]\nkey = nowhere.pem\n");
            assertThat(fixture.daemon.reload()).isFalse();
            fixture.awaitLog("reload failed, keeping the previous configuration: " + conf + ":1", 1000);
            assertNewOnly(fixture);
        }
    }

    private static void assertNewOnly(AgentFixture fixture) throws Exception {
        try (JsseEcho peer = new JsseEcho("TLSv1.3"); SocketChannel ch = SocketChannel.open(peer.address())) {
            assertThatThrownBy(() -> fixture.agent().handshake(ch, HandshakeRequest.client("localhost")
                    .credential("old").build()))
                    .isInstanceOfSatisfying(AgentException.class,
                            e -> assertThat(e.status()).isEqualTo(AgentStatus.UNKNOWN_CREDENTIAL));
            try (KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost")
                    .credential("new").build())) {
                Lines.send(c, "new");
                assertThat(Lines.receive(c)).isEqualTo("NEW");
            }
        }
    }
}
