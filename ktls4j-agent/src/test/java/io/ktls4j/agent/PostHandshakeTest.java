package io.ktls4j.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.TlsTruncationException;
import io.ktls4j.testkit.PeerProcess;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * After an agent handshake the consumer handles what needs no keys itself (close_notify, a truncated stream); what
 * needs them goes back to the agent, which keeps the session (protocol version 2): KeyUpdates both ways against JSSE
 * and OpenSSL ({@code k}/{@code K}), NewSessionTickets acknowledged. Without a kept session (version 1) a KeyUpdate
 * fails clearly. The server side works against a JSSE client.
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
                 KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
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
                 KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
                peer.get(10, TimeUnit.SECONDS);
                assertThat(c.version()).isEqualTo(TlsVersion.TLS_1_2);
                assertThatThrownBy(() -> c.keyUpdate(false)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("only in TLS 1.3");
                assertThat(Lines.receive(c)).isEqualTo("cut");
                assertThatThrownBy(() -> c.read(ByteBuffer.allocate(10))).isInstanceOf(TlsTruncationException.class)
                        .hasMessageContaining("without close_notify");
            }
        }
    }

    @Test
    void keyUpdatesBothWaysGoThroughTheAgentAgainstJsse() throws Exception {
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS: KernelRekeyLabTest covers it");
        try (SSLServerSocket server = jsseServer("TLSv1.3")) {
            CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(20_000);
                    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                            s.getInputStream()));
                    OutputStream out = s.getOutputStream();
                    String first = in.readLine();
                    s.startHandshake(); // on TLS 1.3, JSSE sends a KeyUpdate with update_requested
                    out.write("after the peer's key update\n".getBytes());
                    out.flush();
                    String second = in.readLine();
                    out.write("bye\n".getBytes());
                    out.flush();
                    return first + "|" + second;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SocketChannel ch = SocketChannel.open(address(server));
                 KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
                Lines.send(c, "before");
                assertThat(Lines.receive(c)).isEqualTo("after the peer's key update");
                assertThat(c.keyUpdatesReceived()).isEqualTo(1);
                assertThat(c.keyUpdatesSent()).as("update_requested was answered").isEqualTo(1);
                c.keyUpdate(true);
                Lines.send(c, "after ours");
                assertThat(Lines.receive(c)).isEqualTo("bye");
                assertThat(c.keyUpdatesSent()).isEqualTo(2);
                assertThat(c.keyUpdatesReceived()).as("JSSE answered our update_requested").isEqualTo(2);
                fixture.awaitLog("PEER_KEY_UPDATE[", 5000);
                fixture.awaitLog("KEY_UPDATE_TX[", 5000);
            }
            assertThat(peer.get(10, TimeUnit.SECONDS)).isEqualTo("before|after ours");
        }
    }

    @Test
    void keyUpdatesBothWaysGoThroughTheAgentAgainstOpenSsl() throws Exception {
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS: KernelRekeyLabTest covers it");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ktls4j-openssl");
        try (PeerProcess server = PeerProcess.start(dir, java.util.List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-naccept", "1", "-tls1_3", "-cert", TestPki.get().certPem.toString(), "-key",
                TestPki.get().keyPem.toString()))) {
            server.awaitOutput("ACCEPT", java.time.Duration.ofMillis(20_000));
            opensslKeyUpdates(server, port);
        }
    }

    private static void opensslKeyUpdates(PeerProcess server, int port) throws Exception {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
             KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
            server.awaitOutput("CIPHER is", java.time.Duration.ofMillis(20_000));
            command(server, "k\n");
            command(server, "after-k\n");
            assertThat(Lines.receive(c)).isEqualTo("after-k");
            assertThat(c.keyUpdatesReceived()).isEqualTo(1);
            assertThat(c.keyUpdatesSent()).isZero();
            command(server, "K\n");
            command(server, "after-K\n");
            assertThat(Lines.receive(c)).isEqualTo("after-K");
            assertThat(c.keyUpdatesReceived()).isEqualTo(2);
            assertThat(c.keyUpdatesSent()).as("update_requested was answered").isEqualTo(1);
            Lines.send(c, "from-the-consumer-after-K");
            server.awaitOutput("from-the-consumer-after-K", java.time.Duration.ofMillis(20_000));
            c.keyUpdate(true);
            Lines.send(c, "after-our-update");
            server.awaitOutput("after-our-update", java.time.Duration.ofMillis(20_000));
            command(server, "reply\n");
            assertThat(Lines.receive(c)).isEqualTo("reply");
            assertThat(c.keyUpdatesReceived()).as("OpenSSL answered our update_requested").isEqualTo(3);
            assertThat(c.sessionTicketsReceived()).as("OpenSSL's tickets, acknowledged by the agent").isEqualTo(2);
            assertThat(server.output()).doesNotContain("ERROR").doesNotContain("alert");
        }
    }

    @Test
    void theServerSideFollowsAJsseClientsKeyUpdatesThroughTheAgent() throws Exception {
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS: LabRekeyTest covers the kernel");
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) TestPki.get().clientContext().getSocketFactory()
                        .createSocket(InetAddress.getLoopbackAddress(), listener.socket().getLocalPort())) {
                    s.setEnabledProtocols(new String[] {"TLSv1.3"});
                    s.setSoTimeout(20_000);
                    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                            s.getInputStream()));
                    s.getOutputStream().write("first\n".getBytes());
                    s.getOutputStream().flush();
                    s.startHandshake(); // on TLS 1.3, a KeyUpdate with update_requested
                    s.getOutputStream().write("after the client's update\n".getBytes());
                    s.getOutputStream().flush();
                    return in.readLine() + "|" + in.readLine();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SocketChannel accepted = listener.accept();
                 KtlsConnection c = fixture.agent().handshake(accepted, HandshakeRequest.server().build())) {
                assertThat(c.version()).isEqualTo(TlsVersion.TLS_1_3);
                assertThat(Lines.receive(c)).isEqualTo("first");
                assertThat(Lines.receive(c)).isEqualTo("after the client's update");
                assertThat(c.keyUpdatesReceived()).isEqualTo(1);
                Lines.send(c, "answered");
                assertThat(c.keyUpdatesSent()).as("update_requested was answered").isEqualTo(1);
                c.keyUpdate(false);
                Lines.send(c, "after the server's update");
                assertThat(c.keyUpdatesSent()).isEqualTo(2);
            } // close_notify: JSSE's close waits for it
            assertThat(client.get(20, TimeUnit.SECONDS)).isEqualTo("answered|after the server's update");
        }
    }

    @Test
    void withProtocolVersion1AKeyUpdateFailsClearly() throws Exception {
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
                 KtlsConnection c = fixture.agent().withProtocolVersion(1).handshake(ch,
                         HandshakeRequest.client("localhost").build())) {
                c.write(ByteBuffer.wrap(new byte[] {'x'}));
                if (!KernelTls.supportsRekey() && KernelTls.isAvailable()) {
                    assertThatThrownBy(() -> c.read(ByteBuffer.allocate(64)))
                            .isInstanceOfSatisfying(KernelFeatureException.class,
                                    e -> assertThat(e.sinceVersion()).isEqualTo("6.14"))
                            .hasMessageContaining("traffic secret, which stays in the handshake agent");
                } else {
                    assertThatThrownBy(() -> c.read(ByteBuffer.allocate(64))).isInstanceOf(AgentException.class)
                            .hasMessageContaining("KeyUpdate needs the traffic secret")
                            .hasMessageContaining("protocol version 1, which keeps no session");
                }
                assertThat(c.isOpen()).as("a connection that cannot follow the peer's keys is closed").isFalse();
            }
            peer.get(10, TimeUnit.SECONDS);
        }
    }

    private static void command(PeerProcess p, String line) throws Exception {
        p.write(line);
        Thread.sleep(300); // s_server reads stdin in chunks: keep commands and data apart
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
                 KtlsConnection c = fixture.agent().handshake(accepted, HandshakeRequest.server().build())) {
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
