package io.ktls4j.netty;

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
 * An external TLS peer (openssl, gnutls, python3, curl) run for one test: its stderr is captured (and its stdout,
 * unless the test reads it as data). {@link #close()} kills the process and its children.
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

    /** Starts a peer whose stdout the test reads as data ({@link #stdout()}). */
    public static PeerProcess startWithDataStdout(Path dir, List<String> command) throws IOException {
        return new PeerProcess(command, dir, false);
    }

    public static boolean available(String executable) {
        try {
            Process p = new ProcessBuilder("sh", "-c", "command -v " + executable).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** A currently free loopback port (there is a small race until the peer binds it). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits until the captured output (stdout + stderr) contains {@code text}. */
    public void awaitOutput(String text, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (output().contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("peer output never showed \"" + text + "\": " + describe());
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
