package io.ktls4j.cli;

import io.ktls4j.testkit.Tools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wrk (Debian) with 64 keep-alive connections for 10 s against {@code ktls serve}: no errors, every answer 200. */
class WrkLoadTest {
    @TempDir
    Path tmp;

    @Test
    void sixtyFourConnectionsForTenSecondsWithoutErrors() throws Exception {
        Tools.require("wrk");
        Path www = Files.createDirectories(tmp.resolve("www"));
        Proc.randomFile(www.resolve("4k.bin"), 4096, 4);
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet")) {
            // wrk counts a response slower than --timeout as a socket error; on a shared machine a response can
            // wait seconds for a core, so the timeout is far above any latency and only a lost answer counts
            Proc p = Proc.run(List.of("wrk", "-t", "2", "-c", "64", "-d", "10s", "--timeout", "30s",
                    "https://127.0.0.1:" + s.port + "/4k.bin"), null, 60);
            String out = p.out();
            assertThat(p.exitCode()).as(out + p.stderr()).isZero();
            assertThat(out).as(out).doesNotContain("Socket errors").doesNotContain("Non-2xx or 3xx responses");
            Matcher m = Pattern.compile("(\\d+) requests in").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            // served, not fast: one answer per connection is the floor on any machine (speed: docs/PERFORMANCE.md)
            assertThat(Long.parseLong(m.group(1))).as(out).isGreaterThanOrEqualTo(64);
            System.out.println("wrk against ktls serve:\n" + out);
        }
    }
}
