package io.ktls4j.netty;

import io.ktls4j.testkit.OpenSslNames;
import io.ktls4j.handshake.Credentials;
import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.testkit.Tools;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import java.util.ArrayList;
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
 * A {@link KtlsHandler} pipeline against OpenSSL's {@code s_client} and {@code s_server} on loopback, on NIO and
 * epoll: every suite both ways with data each way (64 MiB for TLS_AES_128_GCM_SHA256, 1 MiB for the others),
 * close_notify from each side, NewSessionTickets, KeyUpdates started by OpenSSL ({@code k}, {@code K}) and by the
 * handler, and the automatic KeyUpdate before the record limit.
 */
@ExtendWith(LeakCheck.class)
class OpenSslInteropTest {
    private final List<PeerProcess> processes = new ArrayList<>();
    private TestPki pki;

    @BeforeAll
    static void needsOpenssl() {
        Tools.require("openssl");
    }

    @AfterEach
    void tearDown() {
        processes.forEach(PeerProcess::close);
    }

    static Stream<Arguments> suitesAndTransports() {
        return Stream.of(TlsCipherSuite.values())
                .flatMap(s -> Stream.of(Arguments.of(s, Transport.NIO), Arguments.of(s, Transport.EPOLL)));
    }

    private static long bytesFor(TlsCipherSuite suite) {
        return suite == TlsCipherSuite.TLS_AES_128_GCM_SHA256 ? Payload.BULK : 1 << 20;
    }

    private PeerProcess start(List<String> cmd, boolean dataStdout) throws Exception {
        pki = TestPki.get();
        PeerProcess p = dataStdout ? PeerProcess.startWithDataStdout(pki.dir, cmd) : PeerProcess.start(pki.dir, cmd);
        processes.add(p);
        return p;
    }

    private PeerProcess sServer(int port, TlsCipherSuite suite, boolean quiet, String... extra) throws Exception {
        pki = TestPki.get();
        TestPki.Issued cert = pki.serverFor(suite.name());
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-cert", cert.certPem().toString(), "-key", cert.keyPem().toString()));
        cmd.addAll(OpenSslNames.pin(suite.name(), suite.version()));
        cmd.addAll(extra.length > 0 ? List.of(extra) : List.of("-naccept", "1"));
        if (quiet) {
            cmd.add("-quiet");
        }
        PeerProcess p = start(cmd, quiet);
        Peers.awaitPort(port);
        return p;
    }

    private PeerProcess sClient(int port, TlsCipherSuite suite, boolean quiet, String... extra) throws Exception {
        pki = TestPki.get();
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-verify_hostname", "localhost", "-verify_return_error",
                "-CAfile", pki.caPem.toString()));
        cmd.addAll(OpenSslNames.pin(suite.name(), suite.version()));
        cmd.addAll(List.of(extra));
        if (quiet) {
            cmd.add("-quiet"); // binary data on stdin; the server side ends the connection
        }
        return start(cmd, quiet);
    }

    private KtlsContext serverContext(TlsCipherSuite suite) throws Exception {
        pki = TestPki.get();
        return KtlsContext.forServer(pki.serverFor(suite.name()).loadWith(Credentials::fromPem)).cipherSuites(suite)
                .build();
    }

    private io.ktls4j.handshake.KtlsContextBuilder clientContext() throws Exception {
        pki = TestPki.get();
        return KtlsContext.forClient().trustManager(pki.caPem);
    }

    /**
     * Sends an OpenSSL KeyUpdate command and waits until the Netty end has received the KeyUpdate: s_client and
     * s_server drop the rest of a stdin read that began with a command, so the next line must come in a later read.
     */
    private static void keyUpdate(PeerProcess p, String command, Peer netty, int nth) throws Exception {
        p.write(command + "\n");
        long end = System.nanoTime() + Peers.WAIT.toNanos();
        while (netty.tls.keyUpdatesReceived() < nth) {
            if (System.nanoTime() > end) {
                throw new AssertionError("\"" + command + "\" was not acted on: " + p.describe());
            }
            Thread.sleep(5);
        }
    }

    /** The next line the Netty end received; on a timeout, fails with what both ends saw. */
    private static String line(Peer p, PeerProcess other) throws Exception {
        try {
            return p.inbox.readLine();
        } catch (java.io.InterruptedIOException e) {
            throw new AssertionError(e.getMessage() + "; exceptions " + p.exceptions + "; events " + p.events + "; "
                    + other.describe(), e);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("suitesAndTransports")
    void opensslClientToNettyServer(TlsCipherSuite suite, Transport t) throws Exception {
        long bytes = bytesFor(suite);
        try (Server server = new Server(t, Peers.group(t), serverContext(suite), false)) {
            PeerProcess client = sClient(server.port(), suite, true);
            try (Peer s = server.accept()) {
                assertThat(s.awaitHandshake().cipherSuite()).isEqualTo(suite);
                CompletableFuture<Void> up = Async.run(() -> Payload.send(client.stdin(), 11, bytes));
                CompletableFuture<Void> down = Async.run(() -> Payload.send(s.out(), 12, bytes));
                // both directions at once: s_client is one thread that stops reading while its writes block
                CompletableFuture<Void> toClient = Async.run(() -> Payload.expect(client.stdout(), 12, bytes));
                Payload.expect(s.inbox, 11, bytes);
                Async.await(toClient);
                Async.await(up);
                Async.await(down);
                s.channel.close().sync(); // close_notify: s_client ends
                assertThat(s.exceptions).isEmpty();
            }
            assertThat(client.waitFor(Peers.WAIT)).as(client.describe()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void opensslClosesWithCloseNotify(Transport t) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        try (Server server = new Server(t, Peers.group(t), serverContext(suite), false)) {
            PeerProcess client = sClient(server.port(), suite, false);
            try (Peer s = server.accept()) {
                s.awaitHandshake();
                client.awaitOutput("Verify return code: 0", Peers.WAIT);
                client.write("last line\n");
                assertThat(line(s, client)).isEqualTo("last line");
                client.write("Q\n"); // s_client: close_notify, then exit
                assertThat(s.inbox.read()).isEqualTo(-1);
                s.awaitClosed();
                assertThat(s.events).contains(SslCloseCompletionEvent.SUCCESS);
                assertThat(s.tls.closeNotifyReceived()).isTrue();
                assertThat(s.exceptions).as("a close_notify is not a truncation").isEmpty();
            }
            assertThat(client.waitFor(Peers.WAIT)).as(client.describe()).isZero();
        }
    }

    /**
     * A server whose context issues session tickets sends them through the pipeline's record layer right after the
     * handshake, and resumes them: s_client saves the session from the first connection and is resumed on the second.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void opensslResumesWithTheTicketsTheHandlerSent(Transport t) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(pki.serverFor(suite.name()).loadWith(Credentials::fromPem))
                .cipherSuites(suite)
                .sessionTickets(2, java.time.Duration.ofHours(1)).build();
        java.nio.file.Path sess = java.nio.file.Files.createTempFile(pki.dir, "session", ".pem");
        try (Server server = new Server(t, Peers.group(t), ctx, false)) {
            PeerProcess first = sClient(server.port(), suite, false, "-sess_out", sess.toString());
            try (Peer s = server.accept()) {
                assertThat(s.awaitHandshake().info().resumed()).isFalse();
                first.awaitOutput("Verify return code: 0", Peers.WAIT);
                first.write("before the ticket check\n");
                assertThat(line(s, first)).isEqualTo("before the ticket check");
                assertThat(s.tls.sessionTicketsSent()).isEqualTo(2);
                first.write("Q\n");
                s.awaitClosed();
                assertThat(s.exceptions).isEmpty();
            }
            assertThat(first.waitFor(Peers.WAIT)).as(first.describe()).isZero();
            assertThat(first.output()).as(first.describe()).contains("New, TLSv1.3");
            assertThat(java.nio.file.Files.size(sess)).as("s_client saved a session from a ticket").isPositive();

            PeerProcess second = sClient(server.port(), suite, false, "-sess_in", sess.toString());
            try (Peer s = server.accept()) {
                assertThat(s.awaitHandshake().info().resumed()).as("the server resumed the ticket").isTrue();
                second.awaitOutput("Reused, TLSv1.3", Peers.WAIT);
                second.write("resumed\n");
                assertThat(line(s, second)).isEqualTo("resumed");
                second.write("Q\n");
                s.awaitClosed();
                assertThat(s.exceptions).isEmpty();
            }
            assertThat(second.waitFor(Peers.WAIT)).as(second.describe()).isZero();
        }
    }

    /**
     * A client keeps the NewSessionTickets s_server sends in its context's session cache and offers one on its next
     * connection to the same server: s_server's status page ({@code -www}) says "New" the first time and "Reused"
     * the second, and the handler's session says it was resumed.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void nettyClientResumesWithTheTicketsOpensslSent(Transport t) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, suite, false, "-www", "-naccept", "2");
        Peers.awaitPort(port);
        KtlsContext ctx = clientContext().cipherSuites(suite).build();
        try (Peer first = Peer.connect(t, Peers.group(t), ctx, "localhost", port, false)) {
            assertThat(first.awaitHandshake().info().resumed()).isFalse();
            assertThat(statusPage(first, server)).as("s_server's status page").contains("New, TLSv1.3");
            assertThat(first.tls.sessionTicketsReceived()).as("OpenSSL sends two NewSessionTickets").isEqualTo(2);
        }
        try (Peer second = Peer.connect(t, Peers.group(t), ctx, "localhost", port, false)) {
            assertThat(second.awaitHandshake().info().resumed()).as("the client offered a kept ticket").isTrue();
            assertThat(second.awaitHandshake().peerCertificates()).as("the resumed session's certificates")
                    .hasSize(1);
            assertThat(statusPage(second, server)).as("s_server's status page").contains("Reused, TLSv1.3");
            assertThat(second.exceptions).isEmpty();
        }
        assertThat(server.waitFor(Peers.WAIT)).as(server.describe()).isZero();
    }

    /** s_server -www's status page for a GET, read to the end of the connection (it closes after answering). */
    private static String statusPage(Peer c, PeerProcess server) throws Exception {
        c.write("GET / HTTP/1.0\r\n\r\n");
        try {
            return new String(c.inbox.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (java.io.InterruptedIOException e) {
            throw new AssertionError(e.getMessage() + "; exceptions " + c.exceptions + "; " + server.describe(), e);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("suitesAndTransports")
    void nettyClientToOpensslServer(TlsCipherSuite suite, Transport t) throws Exception {
        long bytes = bytesFor(suite);
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, suite, true);
        try (Peer c = Peer.connect(t, Peers.group(t), clientContext().cipherSuites(suite).build(), "localhost", port,
                false)) {
            assertThat(c.awaitHandshake().cipherSuite()).isEqualTo(suite);
            CompletableFuture<Void> up = Async.run(() -> Payload.send(c.out(), 13, bytes));
            CompletableFuture<Void> down = Async.run(() -> Payload.send(server.stdin(), 14, bytes));
            CompletableFuture<Void> toServer = Async.run(() -> Payload.expect(server.stdout(), 13, bytes));
            Payload.expect(c.inbox, 14, bytes);
            Async.await(toServer);
            Async.await(up);
            Async.await(down);
            if (suite.version() == TlsVersion.TLS_1_3) {
                assertThat(c.tls.sessionTicketsReceived()).as("OpenSSL sends two NewSessionTickets").isEqualTo(2);
            }
            c.channel.close().sync(); // close_notify: s_server -naccept 1 ends
            assertThat(c.exceptions).isEmpty();
        }
        assertThat(server.waitFor(Peers.WAIT)).as(server.describe()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void opensslClientInitiatedKeyUpdates(Transport t) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_256_GCM_SHA384;
        try (Server server = new Server(t, Peers.group(t), serverContext(suite), false)) {
            PeerProcess client = sClient(server.port(), suite, false); // no -quiet: it turns k/K off
            try (Peer s = server.accept()) {
                s.awaitHandshake();
                client.awaitOutput("Verify return code: 0", Peers.WAIT);
                keyUpdate(client, "k", s, 1); // KeyUpdate, update_not_requested
                client.write("after-k\n");
                assertThat(line(s, client)).isEqualTo("after-k");
                assertThat(s.tls.keyUpdatesReceived()).isEqualTo(1);
                assertThat(s.tls.keyUpdatesSent()).isZero();
                keyUpdate(client, "K", s, 2); // update_requested: answered before our next data
                client.write("after-K\n");
                assertThat(line(s, client)).isEqualTo("after-K");
                assertThat(s.tls.keyUpdatesReceived()).isEqualTo(2);
                assertThat(s.tls.keyUpdatesSent()).isEqualTo(1);
                s.write("server-after-K\n");
                client.awaitOutput("server-after-K", Peers.WAIT);

                s.tls.keyUpdate(true).sync(); // ours, asking OpenSSL to update too
                s.write("server-after-own-update\n");
                client.awaitOutput("server-after-own-update", Peers.WAIT);
                client.write("reply\n");
                assertThat(line(s, client)).isEqualTo("reply");
                assertThat(s.tls.keyUpdatesSent()).isEqualTo(2);
                assertThat(s.tls.keyUpdatesReceived()).as("OpenSSL answered our update_requested").isEqualTo(3);
                assertThat(s.exceptions).isEmpty();
            }
            client.awaitOutput("closed", Peers.WAIT); // our close_notify
            assertThat(client.output()).doesNotContain(":error:");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void opensslServerInitiatedKeyUpdates(Transport t) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256;
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, suite, false);
        try (Peer c = Peer.connect(t, Peers.group(t), clientContext().build(), "localhost", port, false)) {
            c.awaitHandshake();
            server.awaitOutput("CIPHER is", Peers.WAIT);
            keyUpdate(server, "k", c, 1);
            server.write("after-k\n");
            assertThat(line(c, server)).isEqualTo("after-k");
            assertThat(c.tls.keyUpdatesReceived()).isEqualTo(1);
            keyUpdate(server, "K", c, 2);
            server.write("after-K\n");
            assertThat(line(c, server)).isEqualTo("after-K");
            assertThat(c.tls.keyUpdatesReceived()).isEqualTo(2);
            assertThat(c.tls.keyUpdatesSent()).as("update_requested is answered").isEqualTo(1);
            c.write("from-netty-after-K\n");
            server.awaitOutput("from-netty-after-K", Peers.WAIT);
            c.tls.keyUpdate(true).sync();
            c.write("from-netty-after-our-update\n");
            server.awaitOutput("from-netty-after-our-update", Peers.WAIT);
            server.write("reply\n");
            assertThat(line(c, server)).isEqualTo("reply");
            assertThat(c.tls.keyUpdatesReceived()).as("OpenSSL answered our update_requested").isEqualTo(3);
            assertThat(c.exceptions).isEmpty();
        }
        assertThat(server.output()).doesNotContain("ERROR").doesNotContain("alert");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void automaticKeyUpdateBeforeTheRecordLimit(Transport t) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, suite, true);
        long bytes = 4 << 20;
        try (Peer c = Peer.connect(t, Peers.group(t), clientContext().keyUpdateAfterRecords(40).build(), "localhost",
                port, false)) {
            c.awaitHandshake();
            CompletableFuture<Void> up = Async.run(() -> Payload.send(c.out(), 24, bytes));
            Payload.expect(server.stdout(), 24, bytes);
            Async.await(up);
            long records = bytes / 16384;
            assertThat(c.tls.keyUpdatesSent()).isGreaterThanOrEqualTo(records / 40);
            c.channel.close().sync();
        }
        assertThat(server.waitFor(Peers.WAIT)).as(server.describe()).isZero();
    }
}
