package io.ktls4j.cli;

import io.ktls4j.testkit.JsonReader;
import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
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
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * F6: the status page is for clients on this host unless {@code --status public}, and never names local paths to
 * others; its JSON is typed, its headline says what carries each direction and why, and its HTML escapes what comes
 * from outside. The page in a real browser: {@link StatusPageBrowserTest}.
 */
class StatusPageTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("192.0.2.1", 40000);

    @TempDir
    Path tmp;

    private static final StatusHeadline.Setup NO_KTLS = new StatusHeadline.Setup("auto", false,
            "the tls module is not built (CONFIG_TLS unset)");

    private static StatusPage page(StatusPage.Access access) {
        return new StatusPage(new ServerStats(), Map.of("root", "/srv/secret-root", "address", "0.0.0.0:8443"),
                () -> 0, ConnectionLimits.DEFAULT, access, NO_KTLS);
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
    void theJsonIsTypedNumbersAsNumbersListsAsArrays() throws HttpException {
        ServerStats stats = new ServerStats();
        stats.opened("TLSv1.3", "TLS_AES_128_GCM_SHA256", BackendKind.SOFTWARE, BackendKind.SOFTWARE);
        stats.answered();
        stats.answered();
        stats.served(5000);
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("address", "127.0.0.1:8443");
        server.put("protocols", List.of("TLSv1.3", "TLSv1.2"));
        StatusPage p = new StatusPage(stats, server, () -> 1, ConnectionLimits.DEFAULT, StatusPage.Access.LOCAL,
                NO_KTLS);

        Map<String, Object> json = JsonReader.object(body(p, LOCAL));

        assertThat(json).containsKeys("server", "headline", "connections", "backends", "versions", "cipher_suites",
                "fallbacks", "tls_stat");
        assertThat(at(json, "server.protocols")).isEqualTo(List.of("TLSv1.3", "TLSv1.2"));
        assertThat(at(json, "server.uptime_seconds")).isInstanceOf(Long.class);
        Map<?, ?> connections = (Map<?, ?>) json.get("connections");
        assertThat(connections.values()).as("every connections figure is a number: %s", connections)
                .allSatisfy(v -> assertThat(v).isInstanceOf(Long.class));
        assertThat(at(json, "connections.requests")).as("counted as answered, before the connection closes")
                .isEqualTo(2L);
        assertThat(at(json, "connections.bytes_out")).isEqualTo(5000L);
        assertThat(at(json, "backends.tx.SOFTWARE.now")).isEqualTo(1L);
        assertThat(json.get("versions")).isEqualTo(Map.of("TLSv1.3", 1L));
        assertThat(at(json, "fallbacks.total")).isInstanceOf(Long.class);
        assertThat(at(json, "fallbacks.reasons")).isInstanceOf(Map.class);
        assertThat((Map<?, ?>) at(json, "tls_stat.software.counters")).isNotEmpty()
                .allSatisfy((k, v) -> assertThat(v).as("%s", k).isInstanceOf(Long.class));
        assertThat(at(json, "tls_stat.kernel.available")).isInstanceOf(Boolean.class);
        assertThat(at(json, "headline.tx")).isEqualTo(Map.of("carrier", "software", "label", "software",
                "basis", "now", "why", "no kTLS in this kernel: the tls module is not built (CONFIG_TLS unset)"));
        assertThat(at(json, "headline.rx.carrier")).isEqualTo("software");
    }

    /** The value at a dotted path of nested JSON objects. */
    private static Object at(Map<String, Object> json, String path) {
        return StatusHtml.get(json, path);
    }

    private static Map<Direction, Map<BackendKind, Long>> connections(BackendKind tx, long txCount, BackendKind rx,
                                                                      long rxCount) {
        Map<Direction, Map<BackendKind, Long>> m = new EnumMap<>(Direction.class);
        m.put(Direction.TX, txCount == 0 ? Map.of() : Map.of(tx, txCount));
        m.put(Direction.RX, rxCount == 0 ? Map.of() : Map.of(rx, rxCount));
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> headline(Map<String, Object> h, String direction) {
        return (Map<String, Object>) h.get(direction);
    }

    @Test
    void theHeadlineNamesWhatCarriesEachDirectionAndWhy() {
        StatusHeadline.Setup kernel = new StatusHeadline.Setup("auto", true, null);
        var none = connections(BackendKind.NONE, 0, BackendKind.NONE, 0);

        var expected = StatusHeadline.of(none, none, NO_KTLS, Map.of());
        assertThat(headline(expected, "tx")).containsEntry("carrier", "software").containsEntry("basis", "expected")
                .containsEntry("why", "no kTLS in this kernel: the tls module is not built (CONFIG_TLS unset) "
                        + "(no connection yet)");
        assertThat(headline(StatusHeadline.of(none, none, kernel, Map.of()), "rx"))
                .containsEntry("carrier", "kernel").containsEntry("why", "kTLS: the kernel decrypts (TLS_CONF_SW) "
                        + "(no connection yet)");

        var kernelNow = connections(BackendKind.KERNEL_SW, 2, BackendKind.KERNEL_SW, 2);
        assertThat(headline(StatusHeadline.of(kernelNow, kernelNow, kernel, Map.of()), "tx"))
                .containsEntry("label", "kernel").containsEntry("basis", "now")
                .containsEntry("why", "kTLS: the kernel encrypts (TLS_CONF_SW); file bodies go out with sendfile(2)");

        var nic = connections(BackendKind.KERNEL_HW, 1, BackendKind.KERNEL_SW, 1);
        var h = StatusHeadline.of(nic, nic, kernel, Map.of());
        assertThat(headline(h, "tx")).containsEntry("carrier", "kernel_nic").containsEntry("label", "kernel on NIC");
        assertThat(headline(h, "rx")).containsEntry("carrier", "kernel");

        var closed = connections(BackendKind.NONE, 0, BackendKind.NONE, 0);
        var refused = connections(BackendKind.SOFTWARE, 3, BackendKind.SOFTWARE, 3);
        assertThat(headline(StatusHeadline.of(closed, refused, kernel,
                Map.of("TLS_RX unsupported by this kernel", 3L, "cipher not in the kernel", 1L)), "rx"))
                .as("nothing open now: what the connections so far used")
                .containsEntry("carrier", "software").containsEntry("basis", "so_far")
                .containsEntry("why", "the kernel refused it: TLS_RX unsupported by this kernel (3x), cipher not in "
                        + "the kernel (1x)");

        Map<Direction, Map<BackendKind, Long>> mixed = new EnumMap<>(Direction.class);
        mixed.put(Direction.TX, Map.of(BackendKind.KERNEL_SW, 2L, BackendKind.SOFTWARE, 1L));
        mixed.put(Direction.RX, Map.of(BackendKind.SOFTWARE, 3L));
        assertThat(headline(StatusHeadline.of(mixed, mixed, kernel, Map.of("cipher not in the kernel", 1L)), "tx"))
                .containsEntry("carrier", "mixed").containsEntry("why", "2 kernel, 1 software; the kernel refused "
                        + "some: cipher not in the kernel (1x)");

        var software = connections(BackendKind.SOFTWARE, 1, BackendKind.SOFTWARE, 1);
        assertThat(headline(StatusHeadline.of(software, software, new StatusHeadline.Setup("software", true, null),
                Map.of()), "tx")).containsEntry("why", "--backend software: ktls4j's Java record layer, by choice");
        assertThat(headline(StatusHeadline.of(software, software, new StatusHeadline.Setup("agent", false,
                "the agent reports none"), Map.of()), "tx"))
                .containsEntry("why", "no kTLS in the agent's kernel: the agent reports none");
    }

    @Test
    void thePageEscapesWhatComesFromOutsideAndAllowsOnlyItsOwnScript() throws HttpException {
        String hostile = "/srv/</td><script>alert(1)</script>&\"'";
        StatusPage p = new StatusPage(new ServerStats(), Map.of("root", hostile, "address", "127.0.0.1:8443"),
                () -> 0, ConnectionLimits.DEFAULT, StatusPage.Access.LOCAL,
                new StatusHeadline.Setup("auto", false, "<b>no</b> kTLS"));
        HttpHeaders h = new HttpHeaders();
        h.set("Accept", "text/html");
        var response = p.handle(new HttpRequest("GET", StatusPage.PATH, StatusPage.PATH, null, 1, h, LOCAL));
        String html = new String(response.body(), StandardCharsets.UTF_8);

        assertThat(html).doesNotContain("<script>alert").doesNotContain("<b>no</b>")
                .contains("/srv/&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;")
                .contains("&lt;b&gt;no&lt;/b&gt; kTLS");
        assertThat(html.split("<script>", -1)).as("one script element: the page's own").hasSize(2);
        assertThat(html).doesNotContain("src=").doesNotContain("href=").as("self-contained: no external asset");
        String csp = response.headers().first("Content-Security-Policy");
        assertThat(csp).startsWith("default-src 'none'; script-src 'sha256-").contains("connect-src 'self'")
                .doesNotContain("unsafe-inline").doesNotContain("http");
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
