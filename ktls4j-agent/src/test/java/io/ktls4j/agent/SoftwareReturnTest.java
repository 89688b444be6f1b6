package io.ktls4j.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.fd.RawDescriptors;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The explicit software-return policy on a kernel without kTLS (this build host): the agent completes the handshake,
 * returns each direction's CryptoInfo, the consumer installs it on ktls4j's software record layer, and data flows
 * against a JSSE peer, both as client and as server.
 */
class SoftwareReturnTest {
    private static AgentFixture fixture;

    @BeforeAll
    static void agent() throws Exception {
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS: the agent installs keys there");
        fixture = AgentFixture.withConfig("""
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-software-return = true
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void consumerAsClientGetsKeysBackAndTalksToJsse(String protocol) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) TestPki.get().serverContext().getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            server.setEnabledProtocols(new String[] {protocol});
            CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> echoOnce(server));
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    server.getLocalPort()))) {
                int fd = RawDescriptors.of(ch);
                int flags = RawDescriptors.statusFlags(fd);
                KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build());
                assertThat(RawDescriptors.statusFlags(fd))
                        .as("O_NONBLOCK, set for the agent's handshake, is restored").isEqualTo(flags);
                assertThat(c.version()).isEqualTo(protocol.equals("TLSv1.3") ? TlsVersion.TLS_1_3 : TlsVersion.TLS_1_2);
                assertThat(((AgentRecordLayer) c.recordLayer()).placement(Direction.TX)).isEqualTo(Placement.SOFTWARE);
                assertThat(((AgentRecordLayer) c.recordLayer()).placement(Direction.RX)).isEqualTo(Placement.SOFTWARE);
                assertThat(c.backend(Direction.TX)).isEqualTo(BackendKind.SOFTWARE);
                assertThat(c.peerCertificates()).containsExactly(TestPki.get().cert);
                c.write(ByteBuffer.wrap("hello agent\n".getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer in = ByteBuffer.allocate(64);
                while (in.position() < 12) {
                    assertThat(c.read(in)).isPositive();
                }
                assertThat(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)).isEqualTo("HELLO AGENT\n");
                c.close();
            }
            assertThat(peer.get(10, TimeUnit.SECONDS)).isEqualTo("hello agent");
        }
    }

    /** Reads one line over TLS and answers it in upper case. */
    private static String echoOnce(SSLServerSocket server) {
        try (SSLSocket s = (SSLSocket) server.accept()) {
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b; (b = in.read()) != '\n';) {
                line.append((char) b);
            }
            OutputStream out = s.getOutputStream();
            out.write((line.toString().toUpperCase() + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return line.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
