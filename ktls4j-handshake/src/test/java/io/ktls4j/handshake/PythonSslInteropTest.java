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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Interop with python3's {@code ssl} module (OpenSSL underneath) through {@code peers/ssl_peer.py}: every suite it
 * enables (not AES-CCM, which OpenSSL leaves off by default), both directions, 10 MiB each way.
 */
class PythonSslInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static Path script;
    private final Closer closer = new Closer();

    @BeforeAll
    static void needsPython() throws Exception {
        Tools.require("python3");
        script = Files.createTempFile("ssl_peer", ".py");
        try (var in = PythonSslInteropTest.class.getResourceAsStream("/peers/ssl_peer.py")) {
            Files.write(script, in.readAllBytes());
        }
    }

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    static Stream<TlsCipherSuite> suites() {
        return Arrays.stream(TlsCipherSuite.values()).filter(s -> s != TlsCipherSuite.TLS_AES_128_CCM_SHA256);
    }

    private List<String> python(String mode, TlsCipherSuite suite, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), mode, "--ca",
                TestPki.get().caPem.toString(), "--version", suite.version().toString(), "--cipher",
                OpenSslNames.name(suite.name())));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    private static int listeningPort(PeerProcess p) throws Exception {
        p.awaitOutput("LISTENING", WAIT);
        // the number may still be on its way: wait for the whole line
        Pattern line = Pattern.compile("LISTENING (\\d+)\\r?\\n");
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        Matcher m = line.matcher(p.output());
        while (!m.find()) {
            assertThat(System.nanoTime()).as("a whole LISTENING line from %s", p.describe()).isLessThan(end);
            Thread.sleep(10);
            m = line.matcher(p.output());
        }
        return Integer.parseInt(m.group(1));
    }

    @ParameterizedTest
    @MethodSource("suites")
    void ktls4jClientToPythonServer(TlsCipherSuite suite) throws Exception {
        TestPki pki = TestPki.get();
        TestPki.Issued cert = JsseInteropTest.serverCertFor(pki, suite);
        PeerProcess server = closer.add(PeerProcess.start(pki.dir, python("server", suite, "--cert",
                cert.chainPem().toString(), "--key", cert.keyPem().toString())));
        int port = listeningPort(server);
        KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem).cipherSuites(suite).build();
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            assertThat(c.cipherSuite()).isEqualTo(suite);
            CompletableFuture<Void> reader = Traffic.async(() -> {
                Traffic.expect(c, 31, Traffic.INTEROP_BYTES);
                return null;
            });
            Traffic.send(c, 31, Traffic.INTEROP_BYTES);
            Traffic.await(reader, c, server::describe);
            c.shutdownOutput();
            assertThat(c.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            if (suite.version() == TlsVersion.TLS_1_3) {
                assertThat(c.sessionTicketsReceived()).isEqualTo(2);
            }
        }
        server.awaitOutput("ECHOED " + Traffic.INTEROP_BYTES, WAIT);
        assertThat(server.waitFor(WAIT)).as(server.describe()).isZero();
        assertThat(server.output()).contains("NEGOTIATED " + suite.version() + " " + OpenSslNames.name(suite.name()));
    }

    @ParameterizedTest
    @MethodSource("suites")
    void pythonClientToKtls4jServer(TlsCipherSuite suite) throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(JsseInteropTest.serverCertFor(pki, suite)
                .loadWith(Credentials::fromPem))
                .cipherSuites(suite).build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        PeerProcess client = closer.add(PeerProcess.start(pki.dir, python("client", suite, "--port",
                String.valueOf(listener.socket().getLocalPort()), "--bytes", String.valueOf(Traffic.INTEROP_BYTES))));
        try (KtlsConnection c = ctx.accept(Traffic.accept(listener, client))) {
            assertThat(c.cipherSuite()).isEqualTo(suite);
            assertThat(c.session().serverName()).isEqualTo("localhost");
            assertThat(JsseInteropTest.echoUntilCloseNotify(c)).isEqualTo(Traffic.INTEROP_BYTES);
        }
        assertThat(client.waitFor(WAIT)).as(client.describe()).isZero();
        assertThat(client.output()).contains("VERIFIED " + Traffic.INTEROP_BYTES);
    }

    @Test
    void mutualTlsAndAlpnBothWays() throws Exception {
        TestPki pki = TestPki.get();
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_256_GCM_SHA384;
        PeerProcess server = closer.add(PeerProcess.start(pki.dir, python("server", suite, "--cert",
                pki.ecServer.chainPem().toString(), "--key", pki.ecServer.keyPem().toString(),
                "--require-client-cert", "--alpn", "h2,http/1.1")));
        int port = listeningPort(server);
        KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem)
                .keyManager(pki.client.loadWith(Credentials::fromPem))
                .applicationProtocols("http/1.1").build();
        try (KtlsConnection c = ctx.connect("localhost", port)) {
            assertThat(c.applicationProtocol()).isEqualTo("http/1.1");
            c.write(ByteBuffer.wrap(new byte[] {7}));
            assertThat(c.read(ByteBuffer.allocate(1))).isEqualTo(1);
        }
        server.awaitOutput("commonName=ktls4j_test_client", WAIT);

        KtlsContext srv = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).trustManager(pki.caPem)
                .clientAuth(ClientAuth.REQUIRE).applicationProtocols("h2").build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        PeerProcess client = closer.add(PeerProcess.start(pki.dir, python("client", suite, "--port",
                String.valueOf(listener.socket().getLocalPort()), "--cert", pki.client.chainPem().toString(), "--key",
                pki.client.keyPem().toString(), "--alpn", "h2", "--bytes", "1000")));
        try (KtlsConnection c = srv.accept(Traffic.accept(listener, client))) {
            assertThat(c.applicationProtocol()).isEqualTo("h2");
            assertThat(c.peerCertificates()).first().isEqualTo(pki.client.cert());
            assertThat(JsseInteropTest.echoUntilCloseNotify(c)).isEqualTo(1000);
        }
        assertThat(client.waitFor(WAIT)).as(client.describe()).isZero();
        assertThat(client.output()).containsPattern("NEGOTIATED TLSv1.3 TLS_\\S+ h2 ");
    }
}
