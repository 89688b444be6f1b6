package io.ktls4j.handshake;

import io.ktls4j.testkit.OpenSslNames;
import io.ktls4j.testkit.TestPki;
import io.ktls4j.testkit.Tools;
import io.ktls4j.testkit.PeerProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.TlsVersion;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * curl as the client of a ktls4j HTTPS server: a POST of 10 MiB that the server echoes as the response body, for
 * every suite, with ALPN (curl offers h2 and http/1.1; the server speaks http/1.1).
 */
class CurlInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private final Closer closer = new Closer();

    @BeforeAll
    static void needsCurl() {
        Tools.require("curl");
    }

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    @ParameterizedTest
    @EnumSource(TlsCipherSuite.class)
    void curlPostsToKtls4jServer(TlsCipherSuite suite) throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext ctx = KtlsContext.forServer(JsseInteropTest.serverCertFor(pki, suite)
                .loadWith(Credentials::fromPem))
                .cipherSuites(suite).applicationProtocols("http/1.1").build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        int port = listener.socket().getLocalPort();
        Path dir = Files.createTempDirectory(pki.dir, "curl");
        Path in = dir.resolve("request.bin");
        Path out = dir.resolve("response.bin");
        try (FileChannel f = FileChannel.open(in, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            Traffic.send(f, 51, Traffic.INTEROP_BYTES);
        }
        List<String> cmd = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--verbose",
                "--cacert", pki.caPem.toString(), "--resolve", "localhost:" + port + ":127.0.0.1",
                "--data-binary", "@" + in, "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
                "-o", out.toString(), "-w", "RESULT %{http_code} %{http_version}\\n"));
        if (suite.version() == TlsVersion.TLS_1_3) {
            cmd.addAll(List.of("--tlsv1.3", "--tls-max", "1.3", "--tls13-ciphers", suite.name()));
        } else {
            cmd.addAll(List.of("--tlsv1.2", "--tls-max", "1.2", "--ciphers", OpenSslNames.name(suite.name())));
        }
        cmd.add("https://localhost:" + port + "/echo");
        PeerProcess curl = closer.add(PeerProcess.start(dir, cmd));
        CompletableFuture<Long> server = Traffic.async(() -> {
            try (KtlsConnection c = ctx.accept(Traffic.accept(listener, curl))) {
                assertThat(c.applicationProtocol()).isEqualTo("http/1.1");
                return HttpEcho.serveOne(c);
            }
        });
        assertThat(curl.waitFor(WAIT)).as(curl.describe()).isZero();
        assertThat(Traffic.await(server)).isEqualTo(Traffic.INTEROP_BYTES);
        assertThat(curl.output()).contains("RESULT 200 1.1").contains("ALPN: server accepted http/1.1");
        assertThat(curl.output().toLowerCase(Locale.ROOT)).contains(suiteInCurlLog(suite));
        try (FileChannel f = FileChannel.open(out)) {
            assertThat(f.size()).isEqualTo(Traffic.INTEROP_BYTES);
            Traffic.expect(f, 51, Traffic.INTEROP_BYTES);
        }
    }

    private static String suiteInCurlLog(TlsCipherSuite suite) {
        return ("SSL connection using " + suite.version() + " / " + OpenSslNames.name(suite.name())).toLowerCase(Locale.ROOT);
    }

    /** The smallest HTTP/1.1 server that answers one POST with its own body. */
    static final class HttpEcho {
        private HttpEcho() {
        }

        static long serveOne(KtlsConnection c) throws Exception {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                one.clear();
                if (c.read(one) < 0) {
                    throw new java.io.EOFException("request ended in the header");
                }
                head.write(one.get(0));
            }
            long length = 0;
            for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            ByteBuffer h = ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            while (h.hasRemaining()) {
                c.write(h);
            }
            return OpenSslInteropTest.echoExactly(c, length);
        }
    }
}
