package io.ktls4j.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process for one test (an external TLS peer such as openssl, gnutls, python3 or curl, or a JVM of this build):
 * its stderr is captured, and its stdout unless the test reads it as data. {@link #close()} kills the process and its
 * children. {@code SSLKEYLOGFILE} is removed from its environment.
 */
public final class PeerProcess implements AutoCloseable {
    private final Process process;
    private final List<String> command;
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final boolean captureStdout;
    private volatile Path logFile;
    private final List<Thread> pumps = new java.util.concurrent.CopyOnWriteArrayList<>();

    private PeerProcess(List<String> command, Path dir, boolean captureStdout) throws IOException {
        this.command = command;
        this.captureStdout = captureStdout;
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().remove("SSLKEYLOGFILE");
        this.process = pb.start();
        pumps.add(pump(process.getErrorStream(), stderr, "stderr"));
        if (captureStdout) {
            pumps.add(pump(process.getInputStream(), stdout, "stdout"));
        }
    }

    /** Starts a peer whose stdout is captured as text. */
    public static PeerProcess start(Path dir, List<String> command) throws IOException {
        return new PeerProcess(command, dir, true);
    }

    /** Starts a peer whose stdout is captured as text, and writes {@code stdin} to its standard input. */
    public static PeerProcess start(Path dir, String stdin, List<String> command) throws IOException {
        PeerProcess p = start(dir, command);
        p.write(stdin);
        return p;
    }

    /** Starts a peer whose stdout the test reads as data ({@link #stdout()}). */
    public static PeerProcess startWithDataStdout(Path dir, List<String> command) throws IOException {
        return new PeerProcess(command, dir, false);
    }

    /**
     * A JVM running {@code main} of this build with {@code args} ({@link JavaProcess}: the module path or the class
     * path, as this JVM runs), behind {@code prefix} (e.g. {@code setpriv --reuid ...}; may be empty).
     */
    public static PeerProcess java(Path dir, List<String> prefix, List<String> jvmArgs, Class<?> main,
            String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(JavaProcess.command(main, jvmArgs.toArray(String[]::new)));
        cmd.addAll(List.of(args));
        return start(dir, cmd);
    }

    /** A currently free loopback port (there is a small race until the peer binds it). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits until the captured output (stdout + stderr) contains {@code text}, or the peer has exited and its output
     * has been read to the end without it.
     */
    public void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (output().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                // its last words (an error printed just before it exited) may not have reached the captured output
                // yet: the JDK drains an exited process's pipe into a buffer that the pump thread still has to read.
                for (Thread t : pumps) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
                }
                break;
            }
            Thread.sleep(20);
        }
        if (!output().contains(text)) {
            throw new AssertionError("peer output never showed \"" + text + "\": " + describe());
        }
    }

    /** The value after {@code key} on the first output line that starts with it ({@code KEY value}). */
    public String value(String key) {
        return output().lines().filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + " line: " + describe()));
    }

    /** Writes {@code text} to the peer's standard input. */
    public void write(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        process.getOutputStream().flush();
    }

    /** A log file the peer writes (gnutls-cli --logfile), shown by {@link #describe()}. */
    public PeerProcess withLogFile(Path file) {
        this.logFile = file;
        return this;
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /** The peer's stdout as a data stream (only for {@link #startWithDataStdout}). */
    public InputStream stdout() {
        if (captureStdout) {
            throw new IllegalStateException("stdout is captured as text");
        }
        return process.getInputStream();
    }

    /** Captured stdout and stderr so far. */
    public String output() {
        synchronized (stdout) {
            synchronized (stderr) {
                return stdout.toString(StandardCharsets.ISO_8859_1) + stderr.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    /** Waits for the peer to exit and for its captured output to be read to the end. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("peer still running after " + timeout + ": " + describe());
        }
        for (Thread t : pumps) {
            t.join(10_000);
        }
        return process.exitValue();
    }

    /** Whether the peer has exited. */
    public boolean exited() {
        return !process.isAlive();
    }

    /** Waits up to {@code timeout} for the peer to exit; returns whether it did. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public String describe() {
        String out = output();
        Path log = logFile;
        if (log != null) {
            try {
                out += "\n--- " + log.getFileName() + " ---\n" + java.nio.file.Files.readString(log);
            } catch (IOException e) {
                out += "\n(no log: " + e + ")";
            }
        }
        return String.join(" ", command) + "\n--- output ---\n"
                + (out.length() > 4000 ? out.substring(out.length() - 4000) : out);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink, String name) {
        Thread t = new Thread(() -> {
            byte[] b = new byte[8192];
            try {
                for (int n; (n = in.read(b)) > 0;) {
                    synchronized (sink) {
                        sink.write(b, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "peer-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
