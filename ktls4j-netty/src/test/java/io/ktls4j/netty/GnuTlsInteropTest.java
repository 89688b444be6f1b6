package io.ktls4j.netty;

import io.ktls4j.testkit.GnuTlsPriority;
import io.ktls4j.handshake.Credentials;
import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.handshake.ClientAuth;
import io.ktls4j.handshake.ExternalPsk;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.testkit.Tools;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A {@link KtlsHandler} pipeline against GnuTLS ({@code gnutls-cli}, {@code gnutls-serv --echo}) on NIO and epoll:
 * every suite both ways with 1 MiB each way, close_notify from gnutls-cli, KeyUpdates started by gnutls-cli, mutual
 * TLS with ALPN both ways, and a TLS 1.3 external PSK as tlshd uses it.
 */
@ExtendWith(LeakCheck.class)
class GnuTlsInteropTest {
    private static final long BYTES = 1 << 20;
    private final List<PeerProcess> processes = new ArrayList<>();

    @BeforeAll
    static void needsGnutls() {
        Tools.require("gnutls-serv", "gnutls-cli");
    }

    @AfterEach
    void tearDown() {
        processes.forEach(PeerProcess::close);
    }

    static Stream<Arguments> suitesAndTransports() {
        return Stream.of(TlsCipherSuite.values())
                .flatMap(s -> Stream.of(Arguments.of(s, Transport.NIO), Arguments.of(s, Transport.EPOLL)));
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
        PeerProcess p = PeerProcess.start(TestPki.get().dir, cmd);
        processes.add(p);
        p.awaitOutput("listening on IPv4", Peers.WAIT);
        Peers.awaitPort(port); // the banner comes before listen(2)
        return p;
    }

    private PeerProcess gnutlsClient(int port, String priority, String... extra) throws Exception {
        TestPki pki = TestPki.get();
        Path log = Files.createTempFile(pki.dir, "gnutls-cli", ".log");
        List<String> cmd = new ArrayList<>(List.of("gnutls-cli", "-p", String.valueOf(port), "--x509cafile",
                pki.caPem.toString(), "--logfile=" + log, "--priority", priority));
        cmd.addAll(List.of(extra));
        cmd.add("localhost");
        PeerProcess p = PeerProcess.startWithDataStdout(pki.dir, cmd).withLogFile(log);
        processes.add(p);
        return p;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("suitesAndTransports")
    void gnutlsClientToNettyServer(TlsCipherSuite suite, Transport t) throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(pki.serverFor(suite.name()).loadWith(Credentials::fromPem))
                .cipherSuites(suite).build();
        try (Server server = new Server(t, Peers.group(t), ctx, false)) {
            PeerProcess client = gnutlsClient(server.port(), priority(suite));
            try (Peer s = server.accept()) {
                KtlsSession session = s.awaitHandshake();
                assertThat(session.cipherSuite()).isEqualTo(suite);
                assertThat(session.serverName()).isEqualTo("localhost");
                CompletableFuture<Void> up = Async.run(() -> Payload.send(client.stdin(), 41, BYTES));
                CompletableFuture<Void> down = Async.run(() -> Payload.send(s.out(), 42, BYTES));
                CompletableFuture<Void> toClient = Async.run(() -> Payload.expect(client.stdout(), 42, BYTES));
                Payload.expect(s.inbox, 41, BYTES);
                Async.await(toClient);
                Async.await(up);
                Async.await(down);
                client.stdin().close(); // gnutls-cli ends the session with close_notify
                assertThat(s.inbox.read()).isEqualTo(-1);
                s.awaitClosed();
                assertThat(s.events).contains(SslCloseCompletionEvent.SUCCESS);
                assertThat(s.exceptions).isEmpty();
            }
            assertThat(client.waitFor(Peers.WAIT)).as(client.describe()).isZero();
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("suitesAndTransports")
    void nettyClientToGnutlsServer(TlsCipherSuite suite, Transport t) throws Exception {
        TestPki pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = gnutlsServer(port, pki.serverFor(suite.name()), priority(suite), "-a");
        KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem).cipherSuites(suite).build();
        try (Peer c = Peer.connect(t, Peers.group(t), ctx, "localhost", port, false)) {
            assertThat(c.awaitHandshake().cipherSuite()).isEqualTo(suite);
            // gnutls-serv --echo answers whole lines
            CompletableFuture<Void> up = Async.run(() -> Payload.send(c.out(), 43, BYTES, true));
            Payload.expect(c.inbox, 43, BYTES, true);
            Async.await(up);
            assertThat(c.exceptions).isEmpty();
        }
        assertThat(server.output()).contains("Accepted connection");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void gnutlsClientInitiatedKeyUpdates(Transport t) throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).build();
        try (Server server = new Server(t, Peers.group(t), ctx, false)) {
            PeerProcess client = gnutlsClient(server.port(), "NORMAL:-VERS-ALL:+VERS-TLS1.3", "--inline-commands");
            try (Peer s = server.accept()) {
                s.awaitHandshake();
                client.write("before\n");
                assertThat(s.inbox.readLine()).isEqualTo("before");
                rekey(client, "^rekey^\n", s, 1); // KeyUpdate(update_requested)
                client.write("after-rekey\n");
                assertThat(s.inbox.readLine()).isEqualTo("after-rekey");
                assertThat(s.tls.keyUpdatesSent()).isEqualTo(1);
                rekey(client, "^rekey1^\n", s, 2); // KeyUpdate(update_not_requested)
                client.write("after-rekey1\n");
                assertThat(s.inbox.readLine()).isEqualTo("after-rekey1");
                assertThat(s.tls.keyUpdatesSent()).isEqualTo(1);
                s.tls.keyUpdate(true).sync();
                s.write("from-server\n");
                assertThat(new String(client.stdout().readNBytes(12), StandardCharsets.US_ASCII))
                        .isEqualTo("from-server\n");
                client.write("after-our-update\n");
                assertThat(s.inbox.readLine()).isEqualTo("after-our-update");
                assertThat(s.tls.keyUpdatesReceived()).as("GnuTLS answered our update_requested").isEqualTo(3);
                assertThat(s.exceptions).isEmpty();
            }
        }
    }

    private static void rekey(PeerProcess client, String command, Peer netty, int nth) throws Exception {
        client.write(command);
        long end = System.nanoTime() + Peers.WAIT.toNanos();
        while (netty.tls.keyUpdatesReceived() < nth) {
            if (System.nanoTime() > end) {
                throw new AssertionError(command.strip() + " was not acted on: " + client.describe());
            }
            Thread.sleep(5);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void mutualTlsAndAlpnBothWays(Transport t) throws Exception {
        TestPki pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess gnutlsServer = gnutlsServer(port, pki.rsaServer, "NORMAL", "-r", "--x509cafile",
                pki.caPem.toString(), "--alpn", "h2", "--alpn", "http/1.1");
        KtlsContext cctx = KtlsContext.forClient().trustManager(pki.caPem)
                .keyManager(pki.client.loadWith(Credentials::fromPem))
                .applicationProtocols("http/1.1").build();
        try (Peer c = Peer.connect(t, Peers.group(t), cctx, "localhost", port, false)) {
            assertThat(c.awaitHandshake().applicationProtocol()).isEqualTo("http/1.1");
            c.write("mtls\n");
            assertThat(c.inbox.readLine()).isEqualTo("mtls");
        }
        gnutlsServer.awaitOutput("ktls4j test client", Peers.WAIT);

        KtlsContext sctx = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).trustManager(pki.caPem)
                .clientAuth(ClientAuth.REQUIRE).applicationProtocols("h2", "http/1.1").build();
        try (Server server = new Server(t, Peers.group(t), sctx, false)) {
            gnutlsClient(server.port(), "NORMAL", "--x509certfile", pki.client.chainPem().toString(),
                    "--x509keyfile", pki.client.keyPem().toString(), "--alpn", "h2");
            try (Peer s = server.accept()) {
                KtlsSession session = s.awaitHandshake();
                assertThat(session.applicationProtocol()).isEqualTo("h2");
                assertThat(session.peerCertificates()).first().isEqualTo(pki.client.cert());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void externalPskLikeTlshd(Transport t) throws Exception {
        TestPki pki = TestPki.get();
        byte[] key = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        Path pskFile = pki.dir.resolve("psk.passwd");
        Files.writeString(pskFile, "ktls4j-host:" + HexFormat.of().formatHex(key) + "\n");
        int port = PeerProcess.freePort();
        gnutlsServer(port, pki.ecServer, "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK", "--pskpasswd",
                pskFile.toString());
        KtlsContext ctx = KtlsContext.forClient().externalPsk(ExternalPsk.of("ktls4j-host", key))
                .hostnameVerification(false).build();
        try (Peer c = Peer.connect(t, Peers.group(t), ctx, null, port, false)) {
            KtlsSession session = c.awaitHandshake();
            assertThat(session.peerCertificates()).as("authenticated by the PSK, not a certificate").isEmpty();
            assertThat(session.info().pskIdentity()).isEqualTo("ktls4j-host".getBytes(StandardCharsets.US_ASCII));
            c.write("psk\n");
            assertThat(c.inbox.readLine()).isEqualTo("psk");
        }
    }
}
