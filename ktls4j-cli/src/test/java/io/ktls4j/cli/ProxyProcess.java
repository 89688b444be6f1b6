package io.ktls4j.cli;

import io.ktls4j.testkit.Patience;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code ktls proxy} in a child JVM with {@code ./ktls}'s server options, its stderr (the connection log) in a file:
 * {@link #ports} are the ports it listens on, in the order of its {@code --listen} options.
 */
final class ProxyProcess implements AutoCloseable {
    private static final Pattern ROUTE = Pattern.compile("^ktls proxy: \\S+:(\\d+) -> ");
    private static final Pattern STATUS = Pattern.compile("^  status: http://\\S+:(\\d+)/");

    final Process process;
    /** The listening ports, then the status page's when there is one. */
    final List<Integer> ports;
    final Path err;

    private ProxyProcess(Process process, List<Integer> ports, Path err) {
        this.process = process;
        this.ports = ports;
        this.err = err;
    }

    /** Starts {@code ktls proxy args} with {@code ./ktls}'s server JVM options and waits for its banner. */
    static ProxyProcess start(Path err, List<String> args) throws IOException {
        return start(err, List.of(), ServeProcess.launcherOptions(), args);
    }

    /**
     * Starts {@code prefix java jvmOptions ... proxy args} ({@code prefix} e.g. {@code strace ...}, or empty) and
     * waits for its banner.
     */
    static ProxyProcess start(Path err, List<String> prefix, List<String> jvmOptions, List<String> args)
            throws IOException {
        Process p = ServeProcess.launch(err, prefix, jvmOptions, "proxy", args);
        try {
            return new ProxyProcess(p, awaitBanner(p, err), err);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** The ports of the "ktls proxy: HOST:PORT -> BACKEND" lines, read up to the TLS line after them. */
    private static List<Integer> awaitBanner(Process p, Path err) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<Integer> ports = new ArrayList<>();
        StringBuilder seen = new StringBuilder();
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            seen.append(line).append('\n');
            Matcher m = ROUTE.matcher(line);
            Matcher status = STATUS.matcher(line);
            if (status.find()) {
                ports.add(Integer.parseInt(status.group(1)));
            } else if (m.find()) {
                ports.add(Integer.parseInt(m.group(1)));
            } else if (line.startsWith("  TLS") && !ports.isEmpty()) {
                Thread.ofVirtual().start(() -> drain(out));
                return List.copyOf(ports);
            }
        }
        throw new IOException("ktls proxy ended before its banner: " + seen + Files.readString(err));
    }

    private static void drain(Reader r) {
        try {
            r.transferTo(java.io.Writer.nullWriter());
        } catch (IOException e) {
            // the proxy ended
        }
    }

    int port(int route) {
        return ports.get(route);
    }

    /** The proxy's open descriptors ({@code /proc/PID/fd}). */
    long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + process.pid() + "/fd"))) {
            return fds.count();
        }
    }

    /** The connection log so far. */
    String log() throws IOException {
        return Files.readString(err);
    }

    /** SIGTERM to the proxy's JVM, also when it runs under strace (which holds fatal signals off itself). */
    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        // a proxy that cannot drain (a failed test's) must not keep the test waiting
        if (!process.waitFor(Patience.millis(60_000), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
    }
}
