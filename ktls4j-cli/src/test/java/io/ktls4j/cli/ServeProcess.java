package io.ktls4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code ktls serve} in a child JVM (so that its descriptors, CPU time and resident size are its own), its stderr in a
 * file, stopped by {@link #close()}. {@link #LAUNCHER_OPTIONS} are the JVM options {@code ./ktls serve} runs with.
 */
final class ServeProcess implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("on https://[^/]+:(\\d+)/");

    final Process process;
    final int port;
    final Path err;

    private ServeProcess(Process process, int port, Path err) {
        this.process = process;
        this.port = port;
        this.err = err;
    }

    /** {@code ./ktls serve}'s JVM options: bin/serve.jvm-options as an argfile, and the launcher's JDK 25 flag. */
    static List<String> launcherOptions() {
        // the checkout's bin/, above the working directory: ktls4j-cli on the host, a pass's directory under
        // ktls4j-lab/target/lab in the kernel lab
        Path cwd = Path.of("").toAbsolutePath();
        Path options = null;
        for (Path dir = cwd; dir != null && options == null; dir = dir.getParent()) {
            Path candidate = dir.resolve("bin").resolve("serve.jvm-options");
            options = Files.isRegularFile(candidate) ? candidate : null;
        }
        if (options == null) {
            throw new IllegalStateException("no bin/serve.jvm-options in " + cwd + " or above it (the tests run in"
                    + " the checkout)");
        }
        List<String> jvm = new ArrayList<>(List.of("@" + options));
        if (Runtime.version().feature() >= 25) {
            jvm.add("-XX:+UseCompactObjectHeaders");
        }
        return jvm;
    }

    /**
     * Starts {@code prefix java jvmOptions ... serve args} and waits for the URL it prints; {@code prefix} may be
     * empty (e.g. {@code prlimit --nofile=256:256}).
     */
    static ServeProcess start(Path err, List<String> prefix, List<String> jvmOptions, List<String> args)
            throws IOException {
        Process p = launch(err, prefix, jvmOptions, "serve", args);
        try {
            return new ServeProcess(p, awaitPort(p.getInputStream(), err), err);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** Starts {@code prefix java jvmOptions ... command args}, its standard error into {@code err}. */
    static Process launch(Path err, List<String> prefix, List<String> jvmOptions, String command, List<String> args)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(io.ktls4j.testkit.JavaProcess.command(Main.class, jvmOptions.toArray(String[]::new)));
        cmd.add(command);
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    }

    long pid() {
        return process.pid();
    }

    /** The server's open descriptors ({@code /proc/PID/fd}). */
    long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
            return fds.count();
        }
    }

    /** The server's resident size ({@code VmRSS}), in KiB. */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).replace("kB", "").strip());
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid() + "/status");
    }

    /** Whether it runs, its descriptors and its log, for a failure message. */
    String describe() {
        try {
            return (process.isAlive() ? "running, " + openDescriptors() + " descriptors, " + rssKib() + " KiB RSS"
                    : "exited with " + process.exitValue()) + ", log: " + Files.readString(err);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    private static int awaitPort(InputStream out, Path err) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = out.read()) >= 0) {
            sb.append((char) c);
            Matcher m = URL.matcher(sb);
            if (c == '\n' && m.find()) {
                Thread.ofVirtual().start(() -> {
                    try {
                        out.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // the server ended
                    }
                });
                return Integer.parseInt(m.group(1));
            }
        }
        throw new IOException("ktls serve ended before it printed its URL: " + sb + Files.readString(err));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
