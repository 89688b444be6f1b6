package io.ktls4j.agent;

import io.ktls4j.agent.daemon.AgentDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-process agent on a socket in a temporary directory, with its log lines kept for assertions. */
public final class AgentFixture implements AutoCloseable {
    public final Path dir;
    public final AgentDaemon daemon;
    public final List<String> log = new CopyOnWriteArrayList<>();

    private AgentFixture(Path dir, AgentDaemon.Options options) throws Exception {
        this.dir = dir;
        this.daemon = AgentDaemon.start(dir.resolve("agent.sock"), options.log(line -> {
            log.add(line);
            if (Boolean.getBoolean("ktls4j.agent.test.log")) {
                System.err.println("agent: " + line);
            }
        }));
    }

    /** An agent with the configuration {@code text} ($CERT and $KEY name the test PKI's files). */
    public static AgentFixture withConfig(String text) throws Exception {
        Path dir = Files.createTempDirectory("ktls4j-agent");
        Path conf = TestPki.get().config(dir, text);
        return new AgentFixture(dir, AgentDaemon.Options.defaults().config(conf));
    }

    /**
     * An agent whose default credential is the test PKI's and may return keys (allow-software-return), as a host
     * without kTLS needs, with {@code agentSection} as the [agent] section's lines.
     */
    public static AgentFixture withSoftwareReturn(String agentSection) throws Exception {
        return withConfig("[agent]\n" + agentSection + "\n" + """
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-software-return = true
                """);
    }

    /** An agent without a configuration file: the default credential from the test PKI's state directory. */
    public static AgentFixture withDefaults() throws Exception {
        Path dir = Files.createTempDirectory("ktls4j-agent");
        return new AgentFixture(dir, AgentDaemon.Options.defaults().stateDir(TestPki.get().stateDir));
    }

    public Path socket() {
        return daemon.socketPath();
    }

    public AgentClient agent() throws Exception {
        return AgentClient.connect(socket());
    }

    /** Waits until a log line contains {@code text}. */
    public String awaitLog(String text, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            for (String l : log) {
                if (l.contains(text)) {
                    return l;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no agent log line contains \"" + text + "\"; log:\n" + String.join("\n", log));
    }

    @Override
    public void close() throws java.io.IOException {
        daemon.close();
    }
}
