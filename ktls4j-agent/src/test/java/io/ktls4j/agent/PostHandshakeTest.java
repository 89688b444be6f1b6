package io.ktls4j.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.KernelFeatureException;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.TlsTruncationException;
import io.ktls4j.linux.KernelTls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * After an agent handshake the consumer handles what needs no keys itself (close_notify, NewSessionTickets, a
 * truncated stream) and fails clearly on what needs them: a TLS 1.3 KeyUpdate, received or requested, names the
 * kernel version that could rekey (6.14) when this kernel cannot. The server side works against a JSSE client.
 */
class PostHandshakeTest {
    private static AgentFixture fixture;

    @BeforeAll
    static void agent() throws Exception {
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
        fixture.close();
    }

    @Test
    void closeNotifyEndsTheStream() throws Exception {
        try (SSLServerSocket server = jsseServer("TLSv1.3")) {
            CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.getOutputStream().write("bye\n".getBytes());
                    s.getOutputStream().flush();
                    s.shutdownOutput(); // close_notify
                    s.getInputStream().read();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SocketChannel ch = SocketChannel.open(address(server));
                 AgentConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
                assertThat(Lines.receive(c)).isEqualTo("bye");
                assertThat(c.read(ByteBuffer.allocate(10))).isEqualTo(-1);
                assertThat(c.closeNotifyReceived()).isTrue();
            }
            peer.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPeerThatEndsTcpWithoutCloseNotifyIsATruncation() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
                try (java.net.Socket plain = server.accept()) {
                    SSLSocket s = (SSLSocket) TestPki.get().serverContext().getSocketFactory()
                            .createSocket(plain, null, false);
                    s.setUseClientMode(false);
                    s.setEnabledProtocols(new String[] {"TLSv1.2"});
                    s.startHandshake();
                    s.getOutputStream().write("cut\n".getBytes());
                    s.getOutputStream().flush();
                    // the TCP connection ends here, without a close_notify
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    server.getLocalPort()));
                 AgentConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
                peer.get(10, TimeUnit.SECONDS);
                assertThat(c.version()).isEqualTo(TlsVersion.TLS_1_2);
                assertThat(Lines.receive(c)).isEqualTo("cut");
                assertThatThrownBy(() -> c.read(ByteBuffer.allocate(10))).isInstanceOf(TlsTruncationException.class)
                        .hasMessageContaining("without close_notify");
                assertThatThrownBy(() -> c.keyUpdate(false)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("only in TLS 1.3");
            }
        }
    }

    @Test
    void aKeyUpdateFailsClearlyBecauseTheSecretStaysInTheAgent() throws Exception {
        try (SSLServerSocket server = jsseServer("TLSv1.3")) {
            CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    in.read();
                    s.startHandshake(); // on TLS 1.3, JSSE sends a KeyUpdate
                    out.write("after the key update\n".getBytes());
                    out.flush();
                    in.read();
                } catch (Exception ignored) {
                    // the consumer gives up on the connection
                }
            });
            try (SocketChannel ch = SocketChannel.open(address(server));
                 AgentConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
                if (!KernelTls.supportsRekey()) {
                    assertThatThrownBy(() -> c.keyUpdate(true)).isInstanceOfSatisfying(KernelFeatureException.class,
                            e -> assertThat(e.sinceVersion()).isEqualTo("6.14"))
                            .hasMessageContaining("traffic secret, which the handshake agent keeps");
                } else {
                    assertThatThrownBy(() -> c.keyUpdate(true)).isInstanceOf(AgentException.class)
                            .hasMessageContaining("does not route KeyUpdates");
                }
                c.write(ByteBuffer.wrap(new byte[] {'x'}));
                assertThatThrownBy(() -> c.read(ByteBuffer.allocate(64)))
                        .hasMessageContaining("KeyUpdate needs the traffic secret");
                assertThat(c.isOpen()).as("a connection that cannot follow the peer's keys is closed").isFalse();
            }
            peer.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theServerSideServesAJsseClient() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) TestPki.get().clientContext().getSocketFactory()
                        .createSocket(InetAddress.getLoopbackAddress(), listener.socket().getLocalPort())) {
                    s.setEnabledProtocols(new String[] {"TLSv1.2"});
                    s.getOutputStream().write("to the server\n".getBytes());
                    return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream())).readLine();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SocketChannel accepted = listener.accept();
                 AgentConnection c = fixture.agent().handshake(accepted, HandshakeRequest.server().build())) {
                assertThat(c.version()).isEqualTo(TlsVersion.TLS_1_2);
                assertThat(c.peerCertificates()).isEmpty();
                assertThat(c.session().localCertificates()).containsExactly(TestPki.get().cert);
                assertThat(Lines.receive(c)).isEqualTo("to the server");
                Lines.send(c, "from the server");
            }
            assertThat(client.get(10, TimeUnit.SECONDS)).isEqualTo("from the server");
        }
    }

    private static SSLServerSocket jsseServer(String protocol) throws Exception {
        SSLServerSocket s = (SSLServerSocket) TestPki.get().serverContext().getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
        s.setEnabledProtocols(new String[] {protocol});
        return s;
    }

    private static InetSocketAddress address(SSLServerSocket s) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }
}
