package io.ktls4j.handshake;

import io.ktls4j.testkit.OpenSslNames;
import io.ktls4j.testkit.TestPki;
import io.ktls4j.testkit.Tools;
import io.ktls4j.testkit.PeerProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.TlsVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interop with OpenSSL's {@code s_server} and {@code s_client} on loopback: every suite in both directions with 10 MiB
 * each way, NewSessionTickets, KeyUpdates started by OpenSSL and by us, mutual TLS and ALPN.
 */
class OpenSslInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final Closer closer = new Closer();
    private TestPki pki;

    @BeforeAll
    static void needsOpenssl() {
        Tools.require("openssl");
    }

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    private PeerProcess sServer(int port, TestPki.Issued cert, TlsCipherSuite suite, String... extra) throws Exception {
        pki = TestPki.get();
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-naccept", "1", "-cert", cert.certPem().toString(), "-key", cert.keyPem().toString()));
        cmd.addAll(OpenSslNames.pin(suite.name(), suite.version()));
        cmd.addAll(List.of(extra));
        PeerProcess p = closer.add(PeerProcess.start(pki.dir, cmd));
        p.awaitOutput("ACCEPT", WAIT);
        return p;
    }

    private KtlsContextBuilder client() throws Exception {
        pki = TestPki.get();
        return KtlsContext.forClient().trustManager(pki.caPem);
    }

    @ParameterizedTest
    @EnumSource(TlsCipherSuite.class)
    void ktls4jClientToOpensslServer(TlsCipherSuite suite) throws Exception {
        pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, JsseInteropTest.serverCertFor(pki, suite), suite, "-rev");
        KtlsContext ctx = client().cipherSuites(suite).build();
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            assertThat(c.cipherSuite()).isEqualTo(suite);
            CompletableFuture<Long> writer = Traffic.async(() -> LineTraffic.send(c, 21, Traffic.INTEROP_BYTES));
            CompletableFuture<Long> reader = Traffic.async(() -> LineTraffic.expectReversed(c, 21, Traffic.INTEROP_BYTES));
            assertThat(Traffic.await(reader, c, server::describe)).isGreaterThanOrEqualTo(Traffic.INTEROP_BYTES);
            Traffic.await(writer);
            if (suite.version() == TlsVersion.TLS_1_3) {
                assertThat(c.sessionTicketsReceived()).as("OpenSSL sends two NewSessionTickets").isEqualTo(2);
            }
        }
        assertThat(server.waitFor(WAIT)).as(server.describe()).isEqualTo(0);
    }

    @ParameterizedTest
    @EnumSource(TlsCipherSuite.class)
    void opensslClientToKtls4jServer(TlsCipherSuite suite) throws Exception {
        pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(JsseInteropTest.serverCertFor(pki, suite)
                .loadWith(Credentials::fromPem))
                .cipherSuites(suite).build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        int port = listener.socket().getLocalPort();
        CompletableFuture<Long> server = Traffic.async(() -> {
            try (KtlsConnection c = ctx.accept(listener.accept())) {
                return echoExactly(c, Traffic.INTEROP_BYTES);
            }
        });
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-verify_hostname", "localhost", "-verify_return_error",
                "-CAfile", pki.caPem.toString(), "-quiet"));
        cmd.addAll(OpenSslNames.pin(suite.name(), suite.version()));
        PeerProcess sClient = closer.add(PeerProcess.startWithDataStdout(pki.dir, cmd));
        CompletableFuture<Void> writer = Traffic.async(() -> {
            Traffic.send(sClient.stdin(), 22, Traffic.INTEROP_BYTES);
            return null;
        });
        Traffic.expect(sClient.stdout(), 22, Traffic.INTEROP_BYTES);
        Traffic.await(writer);
        assertThat(Traffic.await(server)).isEqualTo(Traffic.INTEROP_BYTES);
        assertThat(sClient.waitFor(WAIT)).as(sClient.describe()).isEqualTo(0);
    }

    @Test
    void opensslServerInitiatedKeyUpdates() throws Exception {
        pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, pki.ecServer, TlsCipherSuite.TLS_AES_256_GCM_SHA384);
        try (KtlsConnection c = client().build().connect("localhost", port)) {
            server.awaitOutput("CIPHER is", WAIT);
            command(server, "k\n");
            command(server, "after-k\n");
            assertThat(readLine(c)).isEqualTo("after-k");
            assertThat(c.keyUpdatesReceived()).isEqualTo(1);
            assertThat(c.keyUpdatesSent()).isZero();

            command(server, "K\n");
            command(server, "after-K\n");
            assertThat(readLine(c)).isEqualTo("after-K");
            assertThat(c.keyUpdatesReceived()).isEqualTo(2);
            assertThat(c.keyUpdatesSent()).as("update_requested is answered").isEqualTo(1);

            c.write(ByteBuffer.wrap("from-ktls4j-after-K\n".getBytes(StandardCharsets.US_ASCII)));
            server.awaitOutput("from-ktls4j-after-K", WAIT);

            c.keyUpdate(true);
            c.write(ByteBuffer.wrap("from-ktls4j-after-our-update\n".getBytes(StandardCharsets.US_ASCII)));
            server.awaitOutput("from-ktls4j-after-our-update", WAIT);
            command(server, "reply\n");
            assertThat(readLine(c)).isEqualTo("reply");
            assertThat(c.keyUpdatesSent()).isEqualTo(2);
            assertThat(c.keyUpdatesReceived()).as("OpenSSL answered our update_requested").isEqualTo(3);
        }
        assertThat(server.output()).doesNotContain("ERROR").doesNotContain("alert");
    }

    /**
     * TLS 1.2: a HelloRequest (s_server command "r") is refused with a no_renegotiation warning (RFC 5246 §7.4.1.1)
     * and reading goes on. OpenSSL, having asked, then ends the connection with a handshake_failure alert, which
     * the next read reports.
     */
    @Test
    void tls12RenegotiationRequestIsRefused() throws Exception {
        pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, pki.ecServer, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                "-msg");
        try (KtlsConnection c = client().build().connect("localhost", port)) {
            server.awaitOutput("CIPHER is", WAIT);
            command(server, "r\n");
            command(server, "after-r\n");
            assertThat(readLine(c)).isEqualTo("after-r");
            server.awaitOutput("no_renegotiation", WAIT);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> readLine(c))
                    .isInstanceOfSatisfying(TlsAlertException.class, e -> {
                        assertThat(e.isReceived()).isTrue();
                        assertThat(e.alertName()).isEqualTo("handshake_failure");
                    });
        }
    }

    @Test
    void opensslClientInitiatedKeyUpdates() throws Exception {
        pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        PeerProcess sClient = closer.add(PeerProcess.start(pki.dir, List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + listener.socket().getLocalPort(), "-CAfile", pki.caPem.toString(),
                "-verify_return_error", "-tls1_3")));
        try (KtlsConnection c = ctx.accept(Traffic.accept(listener, sClient))) {
            sClient.awaitOutput("Verify return code: 0", WAIT);
            command(sClient, "k\n");
            command(sClient, "after-k\n");
            assertThat(readLine(c)).isEqualTo("after-k");
            assertThat(c.keyUpdatesReceived()).isEqualTo(1);
            command(sClient, "K\n");
            command(sClient, "after-K\n");
            assertThat(readLine(c)).isEqualTo("after-K");
            assertThat(c.keyUpdatesReceived()).isEqualTo(2);
            assertThat(c.keyUpdatesSent()).isEqualTo(1);
            c.write(ByteBuffer.wrap("server-after-K\n".getBytes(StandardCharsets.US_ASCII)));
            sClient.awaitOutput("server-after-K", WAIT);
        }
        sClient.awaitOutput("closed", WAIT);
    }

    @Test
    void automaticKeyUpdateBeforeTheRecordLimit() throws Exception {
        pki = TestPki.get();
        int port = PeerProcess.freePort();
        // s_server -quiet writes what it reads to stdout; -rev would sleep a second after every KeyUpdate
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-naccept", "1", "-cert", pki.ecServer.certPem().toString(), "-key", pki.ecServer.keyPem().toString(),
                "-tls1_3", "-quiet"));
        PeerProcess server = closer.add(PeerProcess.startWithDataStdout(pki.dir, cmd));
        awaitPort(port);
        KtlsContext ctx = client().keyUpdateAfterRecords(40).build();
        long bytes = Math.min(Traffic.INTEROP_BYTES, 4L << 20);
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            CompletableFuture<Void> reader = Traffic.async(() -> {
                Traffic.expect(server.stdout(), 24, bytes);
                return null;
            });
            Traffic.send(c, 24, bytes);
            Traffic.await(reader, c, server::describe);
            long records = (bytes + 16383) / 16384 + 1;
            assertThat(c.keyUpdatesSent()).isGreaterThanOrEqualTo(records / 40).isPositive();
            assertThat(c.recordLayer().cryptoInfo(io.ktls4j.Direction.TX).orElseThrow().recSeq()).isLessThan(40);
        }
        assertThat(server.waitFor(WAIT)).as(server.describe()).isEqualTo(0);
    }

    /** Waits until something listens on the loopback port, without connecting to it (s_server accepts once). */
    static void awaitPort(int port) throws Exception {
        String hex = String.format(":%04X ", port);
        for (int i = 0; i < 600; i++) {
            for (String f : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(f))) {
                    String[] parts = line.trim().split("\\s+");
                    if (parts.length > 3 && (parts[1] + " ").endsWith(hex) && parts[3].equals("0A")) {
                        return;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing listens on port " + port);
    }

    @Test
    void mutualTlsAndAlpnWithOpensslServer() throws Exception {
        pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, pki.ecServer, TlsCipherSuite.TLS_AES_128_GCM_SHA256, "-rev",
                "-Verify", "2", "-CAfile", pki.caPem.toString(), "-alpn", "h2,http/1.1");
        KtlsContext ctx = client().keyManager(pki.client.loadWith(Credentials::fromPem))
                .applicationProtocols("h2", "http/1.1")
                .build();
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            assertThat(c.applicationProtocol()).isEqualTo("h2");
            assertThat(c.session().localCertificates()).first().isEqualTo(pki.client.cert());
            c.write(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readLine(c)).isEqualTo("gnip");
        }
        server.awaitOutput("CONNECTION CLOSED", WAIT);
        assertThat(server.output()).contains("ktls4j test client");
    }

    @Test
    void mutualTlsAndAlpnWithOpensslClient() throws Exception {
        pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(pki.rsaServer.loadWith(Credentials::fromPem)).trustManager(pki.caPem)
                .clientAuth(ClientAuth.REQUIRE).applicationProtocols("http/1.1", "h2").build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        PeerProcess sClient = closer.add(PeerProcess.start(pki.dir, List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + listener.socket().getLocalPort(), "-servername", "localhost", "-CAfile",
                pki.caPem.toString(), "-verify_return_error", "-cert", pki.client.certPem().toString(), "-key",
                pki.client.keyPem().toString(), "-alpn", "h2")));
        try (KtlsConnection c = ctx.accept(Traffic.accept(listener, sClient))) {
            assertThat(c.applicationProtocol()).isEqualTo("h2");
            assertThat(c.session().serverName()).isEqualTo("localhost");
            assertThat(c.peerCertificates()).first().isEqualTo(pki.client.cert());
            c.write(ByteBuffer.wrap("hello-mtls\n".getBytes(StandardCharsets.US_ASCII)));
            sClient.awaitOutput("hello-mtls", WAIT);
        }
        assertThat(sClient.output()).contains("ALPN protocol: h2");
    }

    /**
     * Each group offered alone (TLS 1.3), or first with P-256 after it (TLS 1.2, where OpenSSL also requires the
     * curve of the P-256 server certificate among the client's groups, RFC 8422 §5.1).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "X25519, TLSv1.3, 'X25519, 253 bits', x25519",
        "P-256, TLSv1.3, 'ECDH, prime256v1, 256 bits', secp256r1",
        "P-384, TLSv1.3, 'ECDH, secp384r1, 384 bits', secp384r1",
        "X25519:P-256, TLSv1.2, 'X25519, 253 bits', x25519:secp256r1",
        "P-256, TLSv1.2, 'ECDH, prime256v1, 256 bits', secp256r1",
        "P-384:P-256, TLSv1.2, 'ECDH, secp384r1, 384 bits', secp384r1:secp256r1"})
    void keyExchangeGroups(String groups, String version, String tempKey, String opensslShared) throws Exception {
        pki = TestPki.get();
        String flag = version.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2";
        // OpenSSL client offering these groups, ktls4j server with its defaults: it takes the client's first
        KtlsContext srv = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).protocols(version).build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        PeerProcess sClient = closer.add(PeerProcess.start(pki.dir, List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + listener.socket().getLocalPort(), "-CAfile", pki.caPem.toString(),
                "-verify_return_error", "-groups", groups, flag)));
        try (KtlsConnection c = srv.accept(Traffic.accept(listener, sClient))) {
            c.write(ByteBuffer.wrap("group-ok\n".getBytes(StandardCharsets.US_ASCII)));
            sClient.awaitOutput("group-ok", WAIT);
        }
        assertThat(sClient.output()).contains("Server Temp Key: " + tempKey);

        // ktls4j client offering these groups, OpenSSL server with its defaults
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, pki.ecServer, version.equals("TLSv1.3")
                ? TlsCipherSuite.TLS_AES_128_GCM_SHA256 : TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
        try (KtlsConnection c = client().groups(groups.split(":")).protocols(version).build()
                .connect("localhost", port)) {
            c.write(ByteBuffer.wrap("x\n".getBytes(StandardCharsets.US_ASCII)));
            server.awaitOutput("Shared groups: " + opensslShared + "\n", WAIT);
        }
    }

    /** Our key share is X25519; a server that only takes P-384 answers with a HelloRetryRequest. */
    @Test
    void helloRetryRequest() throws Exception {
        pki = TestPki.get();
        int port = PeerProcess.freePort();
        PeerProcess server = sServer(port, pki.ecServer, TlsCipherSuite.TLS_AES_256_GCM_SHA384, "-groups", "P-384",
                "-rev");
        try (KtlsConnection c = client().build().connect("localhost", port)) {
            c.write(ByteBuffer.wrap("hrr\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readLine(c)).isEqualTo("rrh");
        }
        server.awaitOutput("CONNECTION CLOSED", WAIT);
    }

    /** Echoes exactly {@code n} bytes, then closes (close_notify). */
    static long echoExactly(KtlsConnection c, long n) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(32768);
        long total = 0;
        while (total < n) {
            buf.clear().limit((int) Math.min(buf.capacity(), n - total));
            int r = c.read(buf);
            if (r < 0) {
                break;
            }
            buf.flip();
            total += r;
            while (buf.hasRemaining()) {
                c.write(buf);
            }
        }
        return total;
    }

    static void command(PeerProcess p, String line) throws Exception {
        p.stdin().write(line.getBytes(StandardCharsets.US_ASCII));
        p.stdin().flush();
        Thread.sleep(300); // s_server/s_client read stdin in chunks: keep commands and data apart
    }

    /** Reads one line (without the newline) from the connection. */
    static String readLine(KtlsConnection c) throws Exception {
        StringBuilder sb = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new java.io.EOFException("end of stream after \"" + sb + "\"");
            }
            char ch = (char) one.get(0);
            if (ch == '\n') {
                return sb.toString();
            }
            sb.append(ch);
        }
    }
}
