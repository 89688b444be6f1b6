package io.ktls4j.agent.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child process for one test (openssl, the consumer JVM), its output captured. */
public final class Proc implements AutoCloseable {
    private final Process process;
    private final List<String> command;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private Proc(List<String> command, Path dir, String stdin) throws IOException {
        this.command = command;
        this.process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        pump(process.getInputStream());
        if (stdin == null) {
            return;
        }
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.ISO_8859_1));
        process.getOutputStream().flush();
    }

    public static Proc start(Path dir, String stdin, String... command) throws IOException {
        return new Proc(List.of(command), dir, stdin);
    }

    /** A JVM on this test's classpath running {@code main} with {@code args}. */
    public static Proc java(Path dir, List<String> jvmArgs, Class<?> main, String... args) throws IOException {
        return javaAs(dir, List.of(), jvmArgs, main, args);
    }

    /** As {@link #java}, behind {@code prefix} (e.g. {@code setpriv --reuid ...}). */
    public static Proc javaAs(Path dir, List<String> prefix, List<String> jvmArgs, Class<?> main, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(io.ktls4j.testkit.JavaProcess.command(main, jvmArgs.toArray(String[]::new)));
        cmd.addAll(List.of(args));
        return new Proc(cmd, dir, null);
    }

    public String output() {
        synchronized (out) {
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** The value after {@code key} on the first output line that starts with it. */
    public String value(String key) {
        return output().lines().filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + " line: " + describe()));
    }

    public void awaitOutput(String text, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (output().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(20);
        }
        if (!output().contains(text)) {
            throw new AssertionError("never printed \"" + text + "\": " + describe());
        }
    }

    public int waitFor(long millis) throws InterruptedException {
        if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + millis + " ms: " + describe());
        }
        return process.exitValue();
    }

    /** Writes {@code text} to the process's standard input. */
    public void write(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        process.getOutputStream().flush();
    }

    void closeStdin() throws IOException {
        process.getOutputStream().close();
    }

    public String describe() {
        String o = output();
        return String.join(" ", command) + "\n--- output ---\n" + (o.length() > 6000 ? o.substring(o.length() - 6000) : o);
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

    private void pump(InputStream in) {
        Thread.ofPlatform().daemon(true).start(() -> {
            byte[] b = new byte[8192];
            try {
                for (int n; (n = in.read(b)) > 0;) {
                    synchronized (out) {
                        out.write(b, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // ended
            }
        });
    }
}
