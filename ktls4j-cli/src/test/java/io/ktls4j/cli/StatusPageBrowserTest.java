package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.linux.KernelTls;
import io.ktls4j.testkit.HeadlessChromium;
import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page of a real {@code ktls serve} in a real headless Chromium: the page loads and runs under its own
 * Content-Security-Policy without a single script or CSP error, the headline names what carries TX and RX and why,
 * and the figures move by themselves after a download made while the page is open. Chromium is driven over the
 * DevTools protocol rather than {@code --dump-dom}: the page has to keep running while the test downloads a file, and
 * the test reads the live DOM until the page's own refresh shows the download (waits scaled by {@link Patience}).
 * Without Chromium the test skips, unless {@code KTLS4J_REQUIRE_BROWSER=1} (CI).
 */
class StatusPageBrowserTest {
    private static final int FILE_SIZE = 3 * 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void thePageShowsTheBackendAndItsFiguresFollowADownload() throws Exception {
        String chromiumExecutable = Tools.requireBrowser();
        Tools.require("curl");
        Path www = Files.createDirectories(tmp.resolve("www"));
        Proc.randomFile(www.resolve("big.bin"), FILE_SIZE, 7);
        try (RunningServer server = RunningServer.start(www, tmp.resolve("state"), "--quiet");
             HeadlessChromium browser = HeadlessChromium.open(chromiumExecutable, tmp, server.url(StatusPage.PATH),
                     server.publicKeyPin())) {
            awaitRefreshes(browser, 1);

            assertThat(browser.text("document.title")).isEqualTo("ktls status");
            boolean kernel = KernelTls.isAvailable();
            for (String d : List.of("tx", "rx")) {
                String label = field(browser, "headline." + d + ".label");
                String why = field(browser, "headline." + d + ".why");
                if (kernel) {
                    assertThat(label).as("%s headline", d).startsWith("kernel");
                } else {
                    assertThat(label).as("%s headline on a host without kTLS", d).isEqualTo("software");
                    assertThat(why).as("%s: why software", d)
                            .isEqualTo("no kTLS in this kernel: " + KernelTls.availability().reason());
                }
                assertThat(browser.text("document.querySelector('[data-carrier-of=\"" + d + "\"]').dataset.carrier"))
                        .isEqualTo(kernel ? "kernel" : "software");
            }
            assertThat(browser.text("document.getElementById('here').textContent")).as("the JSON's URL")
                    .isEqualTo(server.url(StatusPage.PATH));
            assertThat(browser.text("document.body.innerText")).contains("TlsCurrTxSw").contains("TlsDecryptError")
                    .contains("records that failed to decrypt");

            long requests = number(browser, "connections.requests");
            long bytesOut = number(browser, "connections.bytes_out");
            int refreshes = refreshes(browser);
            Proc download = Proc.run(List.of("curl", "-sS", "--cacert", server.certificate.toString(), "-o",
                    "/dev/null", "-w", "%{size_download}", server.url("/big.bin")));
            assertThat(download.out()).as(download.stderr()).isEqualTo(String.valueOf(FILE_SIZE));

            // the page's own fetches count as requests too; only the download moves bytes_out, which is counted
            // when a connection closes, and Chromium keeps its connection open
            Patience.await(Duration.ofSeconds(15), () -> {
                try {
                    return number(browser, "connections.requests") > requests
                            && number(browser, "connections.bytes_out") >= bytesOut + FILE_SIZE;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, () -> "the page never showed the download: requests " + requests + ", bytes out " + bytesOut
                    + " before; now " + safeText(browser, "document.querySelector('main').innerText"));
            assertThat(refreshes(browser)).as("the page refreshed by itself").isGreaterThan(refreshes);
            assertThat(browser.text("document.querySelector('[data-k=\"connections.bytes_out\"]').textContent"))
                    .as("bytes shown with a unit").matches("\\d+(\\.\\d+)? (KiB|MiB|GiB)");
            assertThat(Long.parseLong(browser.text("document.querySelector('svg[data-series=\"connections.now\"]')"
                    + ".dataset.points"))).as("points on the connections chart").isGreaterThanOrEqualTo(2);
            assertThat(browser.text("document.querySelector('svg[data-series=\"rate:connections.bytes_out\"] "
                    + "polyline').getAttribute('points')")).as("the throughput chart is drawn").contains(",");
            assertThat(browser.text("document.getElementById('state').dataset.state")).isEqualTo("live");
            assertThat(browser.problems()).as("script, console and Content-Security-Policy errors").isEmpty();
        }
    }

    /** The number an element with {@code data-k=KEY} shows, as the page's script last wrote it. */
    private static long number(HeadlessChromium browser, String key) throws InterruptedException {
        String raw = browser.text("document.querySelector('[data-k=\"" + key + "\"]').dataset.value");
        return raw.isEmpty() ? -1 : Long.parseLong(raw);
    }

    private static String field(HeadlessChromium browser, String key) throws InterruptedException {
        return browser.text("document.querySelector('[data-k=\"" + key + "\"]').textContent");
    }

    private static int refreshes(HeadlessChromium browser) throws InterruptedException {
        String n = browser.text("document.body === null ? '' : document.body.dataset.refreshes");
        return n.isEmpty() ? 0 : Integer.parseInt(n);
    }

    private static void awaitRefreshes(HeadlessChromium browser, int n) throws InterruptedException {
        Patience.await(Duration.ofSeconds(15), () -> {
            try {
                return refreshes(browser) >= n;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, () -> "the page never loaded its figures (problems: " + browser.problems() + ", page: "
                + safeText(browser, "document.documentElement.outerHTML.slice(0, 2000)") + ")\n" + browser.describe());
    }

    private static String safeText(HeadlessChromium browser, String expression) {
        try {
            return browser.text(expression);
        } catch (InterruptedException | AssertionError e) {
            return "(cannot read the page: " + e + ")";
        }
    }
}
