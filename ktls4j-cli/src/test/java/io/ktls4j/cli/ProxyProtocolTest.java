package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.testkit.Tools;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ktls proxy --proxy-protocol} in front of nginx listening with {@code proxy_protocol}: nginx reads the PROXY
 * v2 header and answers with the address and port it names, which are curl's own; the same nginx refuses a
 * connection that does not start with the header, so the header is what makes it answer.
 */
class ProxyProtocolTest {
    @TempDir
    Path tmp;

    @Test
    void nginxSeesTheClientsAddressAndPortThroughTheProxy() throws Exception {
        Tools.require("nginx", "curl");
        int nginxPort = PeerProcess.freePort();
        Files.createDirectories(tmp.resolve("nginx/tmp"));
        Files.writeString(tmp.resolve("nginx/nginx.conf"), """
                daemon off;
                master_process off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events { worker_connections 64; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/tmp;
                  proxy_temp_path %1$s/tmp;
                  fastcgi_temp_path %1$s/tmp;
                  uwsgi_temp_path %1$s/tmp;
                  scgi_temp_path %1$s/tmp;
                  server {
                    listen 127.0.0.1:%2$d proxy_protocol;
                    location / { return 200 "$proxy_protocol_addr $proxy_protocol_port\\n"; }
                  }
                }
                """.formatted(tmp.resolve("nginx"), nginxPort));
        try (PeerProcess nginx = PeerProcess.start(tmp, List.of("nginx", "-e", tmp.resolve("nginx/error.log")
                .toString(), "-p", tmp.resolve("nginx").toString(), "-c", tmp.resolve("nginx/nginx.conf").toString()));
             ProxyProcess proxy = ProxyProcess.start(tmp.resolve("proxy.err"), List.of("--state-dir",
                     tmp.resolve("state").toString(), "--backend", "software", "--proxy-protocol",
                     "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + nginxPort))) {
            Patience.await(Duration.ofSeconds(30), () -> listening(nginxPort), () -> "nginx on " + nginxPort);

            Process curl = new ProcessBuilder("curl", "-sS", "--cacert", tmp.resolve("state/localhost-cert.pem")
                    .toString(), "-w", "%{local_ip} %{local_port}\\n", "https://localhost:" + proxy.port(0) + "/")
                    .redirectErrorStream(true).start();
            assertThat(curl.waitFor(Patience.millis(30_000), TimeUnit.MILLISECONDS)).isTrue();
            List<String> lines = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .toList();
            assertThat(lines).as("nginx's answer, then curl's own address and port").hasSize(2);
            assertThat(lines.get(0)).as("what the PROXY header told nginx").isEqualTo(lines.get(1))
                    .startsWith("127.0.0.1 ");

            // without the header nginx answers nothing: it closes the connection ("broken header" in its log)
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress("127.0.0.1", nginxPort));
                plain.setSoTimeout((int) Patience.millis(30_000));
                plain.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(plain.getInputStream().readAllBytes()).as("nginx's answer without the header").isEmpty();
            }
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
