package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.testkit.JsonReader;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ktls proxy --status-listen}: serve's status page, over plain HTTP on a port of its own. */
class ProxyStatusPageTest {
    @TempDir
    Path tmp;

    @Test
    void theStatusPageShowsTheRelayedConnectionAndTheRoutes() throws Exception {
        try (ProxyBackends backends = new ProxyBackends();
             ProxyProcess p = ProxyProcess.start(tmp.resolve("proxy.err"), List.of("--state-dir",
                     tmp.resolve("state").toString(), "--status-listen", "127.0.0.1:0", "--listen", "127.0.0.1:0",
                     "--to", "127.0.0.1:" + backends.start(ProxyBackends::echo)))) {
            int proxyPort = p.port(0);
            int statusPort = p.port(1);
            KtlsContext client = KtlsContext.forClient().trustManager(tmp.resolve("state/localhost-cert.pem")).build();
            try (KtlsConnection c = client.connect(SocketChannel.open(new InetSocketAddress("127.0.0.1", proxyPort)),
                    "localhost")) {
                c.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
                assertThat(c.read(ByteBuffer.allocate(1))).isOne(); // relaying now
                String json = get(statusPort);
                assertThat(json).contains("\"127.0.0.1:" + proxyPort + " -> 127.0.0.1:");
                Map<?, ?> connections = (Map<?, ?>) JsonReader.object(json).get("connections");
                assertThat(((Number) connections.get("now")).longValue()).as(json).isOne();
            }
        }
    }

    /** {@code GET /_ktls/status} with {@code Accept: application/json}: the body. */
    private static String get(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET /_ktls/status HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200");
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }
}
