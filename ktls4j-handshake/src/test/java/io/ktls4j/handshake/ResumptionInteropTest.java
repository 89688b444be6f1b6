package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resumption against other implementations (TLS 1.3 tickets; TLS 1.2 by RFC 5077 ticket as a server, by session ID
 * both ways): OpenSSL's s_server (issuing tickets, and offering 0-RTT that we must not use) and s_client
 * ({@code -sess_out}/{@code -sess_in}, and {@code -early_data} that our tickets do not allow), curl (which resumes
 * within one run) and the JDK's JSSE both ways. These check the parts that two ktls4j ends would agree on even if
 * wrong: the "res binder" label, {@code resumption_master_secret} over the right
 * transcript, and the ClientHello whose ticket ages BouncyCastle does not accept.
 */
class ResumptionInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final Closer closer = new Closer();

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    private static KtlsContext server() throws Exception {
        return KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem)).build();
    }

    private static KtlsContext client() throws Exception {
        return KtlsContext.forClient().trustManager(TestPki.get().caPem).build();
    }

    private ServerSocketChannel listen() throws Exception {
        return closer.add(ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    }

    /** Serves {@code n} connections: greets, then echoes one line; returns whether each was resumed. */
    private CompletableFuture<List<Boolean>> greetAndEcho(ServerSocketChannel listener, KtlsContext ctx, int n) {
        return CompletableFuture.supplyAsync(() -> {
            List<Boolean> resumed = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    try (KtlsConnection c = ctx.accept(listener.accept())) {
                        resumed.add(c.isResumed());
                        c.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
                        ByteBuffer b = ByteBuffer.allocate(256);
                        while (c.read(b) > 0 && b.get(b.position() - 1) != '\n') {
                            // one line
                        }
                        c.write(b.flip());
                    } catch (java.io.IOException e) {
                        resumed.add(null);
                    }
                }
                return resumed;
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    /** TLS 1.3 by ticket (OpenSSL issues new ones on resumption too), TLS 1.2 by session ID, each resumed twice. */
    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void ktls4jClientResumesWithOpensslServer(String version) throws Exception {
        Tools.require("openssl");
        TestPki pki = TestPki.get();
        int port = PeerProcess.freePort();
        List<String> command = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-naccept", "3", "-cert", pki.ecServer.certPem().toString(), "-key", pki.ecServer.keyPem().toString()));
        command.addAll(version.equals("1.3") ? List.of("-tls1_3", "-early_data") : List.of("-tls1_2"));
        PeerProcess server = closer.add(PeerProcess.start(pki.dir, command));
        server.awaitOutput("ACCEPT", WAIT);
        KtlsContext ctx = client();
        for (int i = 0; i < 3; i++) {
            try (KtlsConnection c = ctx.connect("localhost", port)) {
                assertThat(c.session().version().toString()).isEqualTo("TLSv" + version);
                assertThat(c.isResumed()).as("connection " + i).isEqualTo(i > 0);
                c.write(ByteBuffer.wrap(("line-" + i + "\n").getBytes(StandardCharsets.US_ASCII)));
                server.awaitOutput("line-" + i, WAIT);
                server.stdin().write(("reply-" + i + "\n").getBytes(StandardCharsets.US_ASCII));
                server.stdin().flush();
                ByteBuffer b = ByteBuffer.allocate(64);
                while (!new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).contains("reply-" + i)) {
                    assertThat(c.read(b)).isNotNegative();
                }
                if (version.equals("1.3")) {
                    assertThat(c.sessionTicketsReceived()).as("OpenSSL's tickets").isPositive();
                }
            }
        }
        assertThat(server.output()).as("no early data from us").doesNotContain("Early data received")
                .doesNotContain("ERROR");
    }

    @Test
    void opensslClientResumesWithKtls4jServerAndSendsNoEarlyData() throws Exception {
        Tools.require("openssl");
        TestPki pki = TestPki.get();
        ServerSocketChannel listener = listen();
        int port = listener.socket().getLocalPort();
        CompletableFuture<List<Boolean>> served = greetAndEcho(listener, server(), 3);
        Path sess = pki.dir.resolve("s_client-" + port + ".sess");
        Path early = Files.writeString(pki.dir.resolve("early-" + port + ".txt"), "early\n");
        List<String> base = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername",
                "localhost", "-CAfile", pki.caPem.toString(), "-verify_return_error", "-tls1_3", "-ign_eof");
        String first = runSClient(pki, base, List.of("-sess_out", sess.toString()));
        assertThat(first).contains("New, TLSv1.3");
        String second = runSClient(pki, base, List.of("-sess_in", sess.toString()));
        assertThat(second).contains("Reused, TLSv1.3");
        String third = runSClient(pki, base, List.of("-sess_in", sess.toString(), "-early_data", early.toString()));
        assertThat(third).as("our tickets allow no early data (max_early_data_size absent)")
                .doesNotContain("Early data was accepted");
        assertThat(served.get(60, TimeUnit.SECONDS)).containsExactly(false, true, true);
    }

    /** TLS 1.2 by session ID: s_client with {@code -no_ticket} resumes the session the server keeps by its ID. */
    @Test
    void opensslClientResumesATls12SessionById() throws Exception {
        Tools.require("openssl");
        TestPki pki = TestPki.get();
        ServerSocketChannel listener = listen();
        int port = listener.socket().getLocalPort();
        CompletableFuture<List<Boolean>> served = greetAndEcho(listener, server(), 2);
        Path sess = pki.dir.resolve("s_client-tls12-id-" + port + ".sess");
        List<String> base = sClientTls12(pki, port, "-no_ticket");
        String first = runSClient(pki, base, List.of("-sess_out", sess.toString()));
        assertThat(first).contains("New, TLSv1.2").doesNotContain("TLS session ticket lifetime hint");
        assertThat(runSClient(pki, base, List.of("-sess_in", sess.toString()))).contains("Reused, TLSv1.2");
        assertThat(served.get(60, TimeUnit.SECONDS)).containsExactly(false, true);
    }

    /**
     * TLS 1.2 (RFC 5077): s_client asks for a ticket, keeps it with {@code -sess_out} and offers it with
     * {@code -sess_in}: the session is resumed by ticket. The same ticket offered to a server with other ticket keys
     * gets a full handshake, not a failure.
     */
    @Test
    void opensslClientResumesATls12SessionByTicketAndAnotherServerMakesAFullHandshake() throws Exception {
        Tools.require("openssl");
        TestPki pki = TestPki.get();
        ServerSocketChannel listener = listen();
        int port = listener.socket().getLocalPort();
        CompletableFuture<List<Boolean>> served = greetAndEcho(listener, server(), 2);
        Path sess = pki.dir.resolve("s_client-tls12-" + port + ".sess");
        List<String> base = sClientTls12(pki, port);
        String first = runSClient(pki, base, List.of("-sess_out", sess.toString()));
        assertThat(first).contains("New, TLSv1.2").contains("TLS session ticket lifetime hint");
        String second = runSClient(pki, base, List.of("-sess_in", sess.toString()));
        assertThat(second).contains("Reused, TLSv1.2");
        assertThat(served.get(60, TimeUnit.SECONDS)).containsExactly(false, true);

        ServerSocketChannel other = listen();
        CompletableFuture<List<Boolean>> otherServed = greetAndEcho(other, server(), 1);
        assertThat(runSClient(pki, sClientTls12(pki, other.socket().getLocalPort()), List.of("-sess_in",
                sess.toString())))
                .as("a ticket under another server's keys").contains("New, TLSv1.2");
        assertThat(otherServed.get(60, TimeUnit.SECONDS)).containsExactly(false);
    }

    /** {@code openssl s_client} for TLS 1.2 to the server on {@code port}, verifying it, with {@code options}. */
    private static List<String> sClientTls12(TestPki pki, int port, String... options) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-CAfile", pki.caPem.toString(), "-verify_return_error", "-tls1_2",
                "-ign_eof"));
        cmd.addAll(List.of(options));
        return cmd;
    }

    private String runSClient(TestPki pki, List<String> base, List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(extra);
        PeerProcess p = closer.add(PeerProcess.start(pki.dir, cmd));
        p.awaitOutput("hello", WAIT);
        p.stdin().write("ping\n".getBytes(StandardCharsets.US_ASCII));
        p.stdin().flush();
        p.awaitOutput("ping", WAIT);
        p.stdin().close();
        p.waitFor(WAIT);
        return p.output();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void curlResumesWithKtls4jServerWithinOneRun(String version) throws Exception {
        Tools.require("curl");
        TestPki pki = TestPki.get();
        ServerSocketChannel listener = listen();
        int port = listener.socket().getLocalPort();
        KtlsContext ctx = server();
        CompletableFuture<List<Boolean>> served = CompletableFuture.supplyAsync(() -> {
            List<Boolean> resumed = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    try (KtlsConnection c = ctx.accept(listener.accept())) {
                        resumed.add(c.isResumed());
                        ByteBuffer b = ByteBuffer.allocate(4096);
                        while (!new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                            if (c.read(b) < 0) {
                                break;
                            }
                        }
                        c.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
                                .getBytes(StandardCharsets.US_ASCII)));
                    }
                }
                return resumed;
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        String url = "https://localhost:" + port + "/";
        PeerProcess curl = closer.add(PeerProcess.start(pki.dir, List.of("curl", "--silent", "--show-error",
                "--verbose", "--tlsv" + version, "--tls-max", version, "--cacert", pki.caPem.toString(), url, url)));
        assertThat(curl.waitFor(WAIT)).as(curl.describe()).isZero();
        assertThat(served.get(30, TimeUnit.SECONDS)).containsExactly(false, true);
        assertThat(curl.output()).contains("ok");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void jsseClientResumesWithKtls4jServer(String version) throws Exception {
        TestPki pki = TestPki.get();
        ServerSocketChannel listener = listen();
        int port = listener.socket().getLocalPort();
        CompletableFuture<List<Boolean>> served = greetAndEcho(listener, server(), 2);
        SSLContext jsse = JsseInteropTest.jsseContext(null, pki);
        for (int i = 0; i < 2; i++) {
            try (SSLSocket s = (SSLSocket) jsse.getSocketFactory().createSocket("localhost", port)) {
                s.setEnabledProtocols(new String[] {version});
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                assertThat(new String(in.readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
                out.write("x\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(new String(in.readNBytes(2), StandardCharsets.US_ASCII)).isEqualTo("x\n");
            }
        }
        assertThat(served.get(30, TimeUnit.SECONDS)).containsExactly(false, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void ktls4jClientResumesWithJsseServer(String version) throws Exception {
        TestPki pki = TestPki.get();
        SSLContext jsse = JsseInteropTest.jsseContext(pki.ecServer, pki);
        SSLServerSocket ss = closer.add((SSLServerSocket) jsse.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        ss.setEnabledProtocols(new String[] {"TLSv" + version});
        CompletableFuture<Void> server = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 3; i++) {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.getInputStream().readNBytes(2);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        KtlsContext ctx = client();
        List<Boolean> resumed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (KtlsConnection c = ctx.connect("localhost", ss.getLocalPort())) {
                assertThat(c.session().version().toString()).isEqualTo("TLSv" + version);
                ByteBuffer b = ByteBuffer.allocate(16);
                while (b.position() < 6) {
                    assertThat(c.read(b)).isNotNegative();
                }
                c.write(ByteBuffer.wrap("x\n".getBytes(StandardCharsets.US_ASCII)));
                resumed.add(c.isResumed());
            }
        }
        server.get(30, TimeUnit.SECONDS);
        assertThat(resumed).containsExactly(false, true, true);
    }
}
