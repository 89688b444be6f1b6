package io.ktls4j.handshake;

import io.ktls4j.testkit.GnuTlsPriority;
import io.ktls4j.testkit.TestPki;
import io.ktls4j.testkit.Tools;
import io.ktls4j.testkit.PeerProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interop with GnuTLS ({@code gnutls-serv --echo}, {@code gnutls-cli}) on loopback: every suite both ways with
 * 10 MiB each way, KeyUpdates started by gnutls-cli, mutual TLS with ALPN, and a TLS 1.3 external PSK (the way
 * tlshd uses GnuTLS).
 */
class GnuTlsInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private final Closer closer = new Closer();

    @BeforeAll
    static void needsGnutls() {
        Tools.require("gnutls-serv", "gnutls-cli");
    }

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    static String priority(TlsCipherSuite s) {
        return GnuTlsPriority.of(s.name(), s.version(), s.cipher());
    }

    private PeerProcess gnutlsServer(int port, TestPki.Issued cert, String priority, String... extra)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of("gnutls-serv", "--echo", "-p", String.valueOf(port),
                "--x509certfile", cert.chainPem().toString(), "--x509keyfile", cert.keyPem().toString(),
                "--priority", priority));
        cmd.addAll(List.of(extra));
        PeerProcess p = closer.add(PeerProcess.start(TestPki.get().dir, cmd));
        p.awaitOutput("listening on IPv4", WAIT);
        OpenSslInteropTest.awaitPort(port); // the banner comes before listen(2)
        return p;
    }

    @ParameterizedTest
    @EnumSource(TlsCipherSuite.class)
    void ktls4jClientToGnutlsServer(TlsCipherSuite suite) throws Exception {
        TestPki pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = gnutlsServer(port, JsseInteropTest.serverCertFor(pki, suite), priority(suite), "-a");
        KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem).cipherSuites(suite).build();
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            assertThat(c.cipherSuite()).isEqualTo(suite);
            // gnutls-serv --echo answers whole lines only
            CompletableFuture<Long> reader = Traffic.async(() -> LineTraffic.expectEchoed(c, 41, Traffic.INTEROP_BYTES));
            LineTraffic.send(c, 41, Traffic.INTEROP_BYTES);
            assertThat(Traffic.await(reader, c, server::describe)).isGreaterThanOrEqualTo(Traffic.INTEROP_BYTES);
        }
        assertThat(server.output()).contains("Accepted connection");
    }

    private PeerProcess gnutlsClient(int port, String priority, String... extra) throws Exception {
        TestPki pki = TestPki.get();
        Path log = Files.createTempFile(pki.dir, "gnutls-cli", ".log");
        List<String> cmd = new ArrayList<>(List.of("gnutls-cli", "-p", String.valueOf(port), "--x509cafile",
                pki.caPem.toString(), "--logfile=" + log, "--priority", priority));
        cmd.addAll(List.of(extra));
        cmd.add("localhost");
        return closer.add(PeerProcess.startWithDataStdout(pki.dir, cmd).withLogFile(log));
    }

    @ParameterizedTest
    @EnumSource(TlsCipherSuite.class)
    void gnutlsClientToKtls4jServer(TlsCipherSuite suite) throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(JsseInteropTest.serverCertFor(pki, suite)
                .loadWith(Credentials::fromPem))
                .cipherSuites(suite).build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        PeerProcess client = gnutlsClient(listener.socket().getLocalPort(), priority(suite));
        CompletableFuture<Long> server = Traffic.async(() -> {
            try (KtlsConnection c = ctx.accept(Traffic.accept(listener, client))) {
                assertThat(c.cipherSuite()).isEqualTo(suite);
                assertThat(c.session().serverName()).isEqualTo("localhost");
                return JsseInteropTest.echoUntilCloseNotify(c);
            }
        });
        CompletableFuture<Void> reader = Traffic.async(() -> {
            Traffic.expect(client.stdout(), 42, Traffic.INTEROP_BYTES);
            return null;
        });
        Traffic.send(client.stdin(), 42, Traffic.INTEROP_BYTES);
        Traffic.await(reader, client, client::describe);
        client.stdin().close(); // gnutls-cli ends the session with close_notify
        assertThat(Traffic.await(server, client, client::describe)).isEqualTo(Traffic.INTEROP_BYTES);
        assertThat(client.waitFor(WAIT)).isZero();
    }

    @Test
    void gnutlsClientInitiatedKeyUpdates() throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        PeerProcess client = gnutlsClient(listener.socket().getLocalPort(), "NORMAL:-VERS-ALL:+VERS-TLS1.3",
                "--inline-commands");
        try (KtlsConnection c = ctx.accept(Traffic.accept(listener, client))) {
            OpenSslInteropTest.command(client, "before\n");
            assertThat(OpenSslInteropTest.readLine(c)).isEqualTo("before");
            OpenSslInteropTest.command(client, "^rekey^\n"); // KeyUpdate(update_requested)
            OpenSslInteropTest.command(client, "after-rekey\n");
            assertThat(OpenSslInteropTest.readLine(c)).isEqualTo("after-rekey");
            assertThat(c.keyUpdatesReceived()).as(client.describe()).isEqualTo(1);
            assertThat(c.keyUpdatesSent()).isEqualTo(1);
            OpenSslInteropTest.command(client, "^rekey1^\n"); // KeyUpdate(update_not_requested)
            OpenSslInteropTest.command(client, "after-rekey1\n");
            assertThat(OpenSslInteropTest.readLine(c)).isEqualTo("after-rekey1");
            assertThat(c.keyUpdatesReceived()).isEqualTo(2);
            assertThat(c.keyUpdatesSent()).isEqualTo(1);
            c.keyUpdate(true);
            c.write(ByteBuffer.wrap("from-server\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(new String(client.stdout().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("from-server\n");
            OpenSslInteropTest.command(client, "after-our-update\n");
            assertThat(OpenSslInteropTest.readLine(c)).isEqualTo("after-our-update");
            assertThat(c.keyUpdatesReceived()).as("GnuTLS answered our update_requested").isEqualTo(3);
        }
    }

    @Test
    void mutualTlsAndAlpn() throws Exception {
        TestPki pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = gnutlsServer(port, pki.rsaServer, "NORMAL", "-r", "--x509cafile", pki.caPem.toString(),
                "--alpn", "h2", "--alpn", "http/1.1");
        KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem)
                .keyManager(pki.client.loadWith(Credentials::fromPem))
                .applicationProtocols("http/1.1").build();
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            assertThat(c.applicationProtocol()).isEqualTo("http/1.1");
            c.write(ByteBuffer.wrap("mtls\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(OpenSslInteropTest.readLine(c)).isEqualTo("mtls");
        }
        server.awaitOutput("ktls4j test client", WAIT);

        KtlsContext srv = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).trustManager(pki.caPem)
                .clientAuth(ClientAuth.REQUIRE).applicationProtocols("h2", "http/1.1").build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        PeerProcess client = gnutlsClient(listener.socket().getLocalPort(), "NORMAL", "--x509certfile",
                pki.client.chainPem().toString(), "--x509keyfile", pki.client.keyPem().toString(), "--alpn", "h2");
        try (KtlsConnection c = srv.accept(Traffic.accept(listener, client))) {
            assertThat(c.applicationProtocol()).isEqualTo("h2");
            assertThat(c.peerCertificates()).first().isEqualTo(pki.client.cert());
        }
    }

    @Test
    void externalPskLikeTlshd() throws Exception {
        TestPki pki = TestPki.get();
        byte[] key = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        Path pskFile = pki.dir.resolve("psk.passwd");
        Files.writeString(pskFile, "ktls4j-host:" + HexFormat.of().formatHex(key) + "\n");
        int port = PeerProcess.freePort();
        String psk = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK";
        PeerProcess server = gnutlsServer(port, pki.ecServer, psk, "--pskpasswd", pskFile.toString());
        KtlsContext ctx = KtlsContext.forClient().externalPsk(ExternalPsk.of("ktls4j-host", key))
                .hostnameVerification(false).build();
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            assertThat(c.peerCertificates()).as("authenticated by the PSK, not a certificate").isEmpty();
            assertThat(c.session().pskIdentity()).isEqualTo("ktls4j-host".getBytes(StandardCharsets.US_ASCII));
            c.write(ByteBuffer.wrap("psk\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(OpenSslInteropTest.readLine(c)).isEqualTo("psk");
        }
        server.awaitOutput("PSK", WAIT); // gnutls-serv prints its session report on its own schedule
    }
}
