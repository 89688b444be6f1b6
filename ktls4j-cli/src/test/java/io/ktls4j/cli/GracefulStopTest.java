package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.testkit.JavaProcess;
import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ktls serve} as a process: SIGTERM during a download lets it finish, then the server exits 0. */
class GracefulStopTest {
    private static final Pattern URL = Pattern.compile("on https://[^/]+:(\\d+)/");
    private static final long SIZE = 8L << 20;

    @TempDir
    Path tmp;

    @Test
    void sigtermDuringASlowDownloadLetsItFinishAndExitsZero() throws Exception {
        Tools.require("curl");
        Path www = Files.createDirectories(tmp.resolve("www"));
        Path file = Proc.randomFile(www.resolve("big.bin"), SIZE, 9);
        Path out = tmp.resolve("serve.out");
        Path err = tmp.resolve("serve.err");
        List<String> cmd = new ArrayList<>(JavaProcess.command(Main.class));
        cmd.addAll(List.of("serve", www.toString(), "--port", "0", "--state-dir", tmp.resolve("state").toString(),
                "--drain-timeout", Long.toString(Patience.of(Duration.ofSeconds(120)).toSeconds())));
        Process server = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        Process curl = null;
        try {
            await(() -> URL.matcher(read(out)).find(), () -> "no banner: " + read(out) + read(err));
            Matcher m = URL.matcher(read(out));
            m.find();
            Path download = tmp.resolve("download.bin");
            // about 4 s at 2 MiB/s: a client that reads slowly but steadily
            curl = new ProcessBuilder("curl", "-sS", "--limit-rate", "2M", "--cacert",
                    tmp.resolve("state/localhost-cert.pem").toString(), "-o", download.toString(),
                    "https://localhost:" + m.group(1) + "/big.bin").redirectErrorStream(true).start();
            await(() -> Files.exists(download) && size(download) > 0, () -> "the download did not start");
            assertThat(curl.isAlive()).as("curl still downloading when SIGTERM goes out").isTrue();
            server.destroy(); // SIGTERM

            assertThat(curl.waitFor(Patience.millis(120_000), TimeUnit.MILLISECONDS)).isTrue();
            String curlSaid = new String(curl.getInputStream().readAllBytes());
            assertThat(curl.exitValue()).as("curl's exit code (18: the transfer was cut): %s", curlSaid).isZero();
            assertThat(Proc.sha256(download)).isEqualTo(Proc.sha256(file));
            assertThat(server.waitFor(Patience.millis(30_000), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(server.exitValue()).as("the server's exit code; stderr: %s", read(err)).isZero();
            assertThat(read(err)).contains("SIGTERM: stopped accepting").contains("stopped: every response finished")
                    .doesNotContain("shutting down");
            assertThat(read(out)).contains("\"GET /big.bin HTTP/1.1\" 200 " + SIZE + " ");
        } finally {
            server.destroyForcibly();
            if (curl != null) {
                curl.destroyForcibly();
            }
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        Patience.await(Duration.ofSeconds(30), condition, what);
    }
}
