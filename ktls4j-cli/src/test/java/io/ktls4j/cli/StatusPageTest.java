package io.ktls4j.cli;

import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.http.ConnectionLimits;
import io.ktls4j.http.HttpException;
import io.ktls4j.http.HttpHeaders;
import io.ktls4j.http.HttpRequest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** F6: the status page is for clients on this host unless {@code --status public}, and never names local paths to others. */
class StatusPageTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("192.0.2.1", 40000);

    @TempDir
    Path tmp;

    private static StatusPage page(StatusPage.Access access) {
        return new StatusPage(new ServerStats(), Map.of("root", "/srv/secret-root", "address", "0.0.0.0:8443"),
                () -> 0, ConnectionLimits.DEFAULT, access);
    }

    private static HttpRequest get(InetSocketAddress peer) {
        HttpHeaders h = new HttpHeaders();
        h.set("Accept", "application/json");
        return new HttpRequest("GET", StatusPage.PATH, StatusPage.PATH, null, 1, h, peer);
    }

    private static String body(StatusPage p, InetSocketAddress peer) throws HttpException {
        return new String(p.handle(get(peer)).body(), StandardCharsets.UTF_8);
    }

    @Test
    void byDefaultOnlyClientsOnThisHostSeeThePage() throws HttpException {
        StatusPage p = page(StatusPage.Access.LOCAL);
        assertThat(body(p, LOCAL)).contains("/srv/secret-root");
        assertThatThrownBy(() -> p.handle(get(REMOTE))).isInstanceOfSatisfying(HttpException.class,
                e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> p.handle(get(null))).as("an unknown peer is not local")
                .isInstanceOf(HttpException.class);
    }

    @Test
    void publicShowsThePageButNotTheRootToOthers() throws HttpException {
        StatusPage p = page(StatusPage.Access.PUBLIC);
        assertThat(body(p, REMOTE)).contains("\"connections\"").contains("0.0.0.0:8443")
                .doesNotContain("secret-root").doesNotContain("\"root\"");
        assertThat(body(p, LOCAL)).contains("/srv/secret-root");
    }

    @Test
    void offHidesItFromEveryone() {
        StatusPage p = page(StatusPage.Access.OFF);
        assertThatThrownBy(() -> p.handle(get(LOCAL))).isInstanceOf(HttpException.class);
    }

    /** The same through {@code ktls serve} on all addresses, asked over this host's non-loopback address. */
    @Test
    void aClientOnAnotherAddressGets404FromKtlsServe() throws Exception {
        Tools.require("curl");
        InetAddress other = nonLoopbackAddress();
        assumeTrue(other != null, "this host has no non-loopback IPv4 address");
        Path www = Files.createDirectories(tmp.resolve("www"));
        for (String access : List.of("local", "public")) {
            try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet", "--bind", "0.0.0.0",
                    "--status", access)) {
                String remoteUrl = "https://" + other.getHostAddress() + ":" + s.port + StatusPage.PATH;
                Proc remote = Proc.run(List.of("curl", "-sS", "-k", "-H", "Accept: application/json", "-w",
                        "\n%{http_code}", remoteUrl));
                Proc local = Proc.run(List.of("curl", "-sS", "-k", "-H", "Accept: application/json", "-w",
                        "\n%{http_code}", "https://127.0.0.1:" + s.port + StatusPage.PATH));
                assertThat(local.out()).endsWith("\n200").contains("\"root\"");
                if (access.equals("local")) {
                    assertThat(remote.out()).endsWith("\n404").doesNotContain("\"root\"");
                } else {
                    assertThat(remote.out()).endsWith("\n200").contains("\"connections\"").doesNotContain("\"root\"")
                            .doesNotContain(www.toRealPath().toString());
                }
            }
        }
    }

    private static InetAddress nonLoopbackAddress() throws Exception {
        for (NetworkInterface n : NetworkInterface.networkInterfaces().toList()) {
            if (!n.isUp() || n.isLoopback()) {
                continue;
            }
            for (InetAddress a : n.inetAddresses().toList()) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return a;
                }
            }
        }
        return null;
    }
}
