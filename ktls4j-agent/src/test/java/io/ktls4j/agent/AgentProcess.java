package io.ktls4j.agent;

import io.ktls4j.agent.daemon.AgentMain;
import io.ktls4j.testkit.Patience;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** {@code ktls agent} ({@link AgentMain}) in a child JVM on this test's classpath, with its stderr log captured. */
public final class AgentProcess implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final List<String> log = new CopyOnWriteArrayList<>();

    private AgentProcess(Process process, Path socket) {
        this.process = process;
        this.socket = socket;
        Thread.ofPlatform().daemon(true).name("agent-stderr").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null;) {
                    log.add(l);
                    if (Boolean.getBoolean("ktls4j.agent.test.log")) {
                        System.err.println("agent process: " + l);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    /** Starts {@code AgentMain --socket DIR/agent.sock} with {@code args} and waits until it listens. */
    public static AgentProcess start(Path dir, String... args) throws Exception {
        return start(dir, java.util.Map.of(), args);
    }

    /** As {@link #start(Path, String...)}, with {@code environment} added to the agent's environment. */
    public static AgentProcess start(Path dir, java.util.Map<String, String> environment, String... args)
            throws Exception {
        Path socket = dir.resolve("agent.sock");
        List<String> cmd = new ArrayList<>(io.ktls4j.testkit.JavaProcess.command(AgentMain.class, "-Xmx256m"));
        cmd.addAll(List.of("--socket", socket.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(environment);
        long started = System.nanoTime();
        AgentProcess p = new AgentProcess(pb.start(), socket);
        p.awaitLog("listening on", Patience.millis(300_000));
        // how long start-up takes where it runs (the lab's guest, a busy host): what the bound above must cover
        System.out.printf("AgentProcess: the agent listened after %.1f s%n", (System.nanoTime() - started) / 1e9);
        return p;
    }

    public long pid() {
        return process.pid();
    }

    public Path socket() {
        return socket;
    }

    public List<String> log() {
        return log;
    }

    /** Sends a signal by name ("HUP", "KILL", "TERM") with kill(1). */
    public void signal(String name) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " failed");
        }
    }

    /** Waits for the process to end and returns its exit code. */
    public int waitFor(long millis) throws InterruptedException {
        if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the agent is still running; log:\n" + String.join("\n", log));
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The agent's open descriptors ({@code /proc/PID/fd}). */
    public int openDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
            return (int) s.count();
        }
    }

    /** The agent's descriptor count once it has not changed for 300 ms. */
    public int settledDescriptors() throws Exception {
        int last = openDescriptors();
        for (int stable = 0, i = 0; stable < 15 && i < 500; i++) {
            Thread.sleep(20);
            int n = openDescriptors();
            stable = n == last ? stable + 1 : 0;
            last = n;
        }
        return last;
    }

    /** Waits until a log line contains {@code text}; returns it. */
    public String awaitLog(String text, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            for (String l : log) {
                if (l.contains(text)) {
                    return l;
                }
            }
            if (!process.isAlive() && log.stream().noneMatch(l -> l.contains(text))) {
                Thread.sleep(100);
                if (log.stream().noneMatch(l -> l.contains(text))) {
                    throw new AssertionError("the agent exited (" + process.exitValue() + ") without logging \"" + text
                            + "\":\n" + String.join("\n", log));
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the agent never logged \"" + text + "\":\n" + String.join("\n", log));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
