package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.testkit.Tools;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The banner's URL and curl line are right for every bind address: the printed curl line works as printed. */
class ServeUrlTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, https://localhost:8443/, curl --cacert C https://localhost:8443/",
        "0.0.0.0, https://localhost:8443/, curl --cacert C https://localhost:8443/",
        "::, https://localhost:8443/, curl --cacert C https://localhost:8443/",
        "::1, https://[::1]:8443/, curl --cacert C https://[::1]:8443/",
        "127.0.0.2, https://127.0.0.2:8443/, curl --cacert C --resolve localhost:8443:127.0.0.2 https://localhost:8443/",
        "192.0.2.7, https://192.0.2.7:8443/, curl --cacert C --resolve localhost:8443:192.0.2.7 https://localhost:8443/",
        "2001:db8::7, https://[2001:db8::7]:8443/, "
                + "curl --cacert C --resolve localhost:8443:[2001:db8::7] https://localhost:8443/",
    })
    void urlAndCurlLine(String bound, String url, String curl) throws Exception {
        ServeUrl u = ServeUrl.of(new InetSocketAddress(InetAddress.getByName(bound), 8443));
        assertThat(u.url()).isEqualTo(url);
        assertThat(u.curl("C")).isEqualTo(curl);
    }

    /** What a user does: start serve with --bind, copy the "try: curl" line, run it. */
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1", "0.0.0.0", "127.0.0.2"})
    void thePrintedCurlLineWorks(String bind) throws Exception {
        Tools.require("curl");
        assumeTrue(canBind(bind), () -> "this host cannot listen on " + bind);
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("index.html"), "hello\n");
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet", "--bind", bind)) {
            String line = s.out.toString().lines().filter(l -> l.contains("try: curl")).findFirst().orElseThrow();
            List<String> curl = Arrays.asList(line.substring(line.indexOf("curl")).split(" "));
            Proc p = Proc.run(curl);
            assertThat(p.exitCode()).as("%s: %s", line, p.stderr()).isZero();
            assertThat(p.out()).isEqualTo("hello\n");
        }
    }

    private static boolean canBind(String address) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
