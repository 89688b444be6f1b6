package io.ktls4j.agent;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded configuration: the credentials by name and the agent-wide limits. Immutable: a reload makes a new one, and
 * a request keeps the one it started with.
 *
 * @param source where it came from ("/etc/ktls4j/agent.conf", "built-in default")
 */
public record AgentConfig(String source, Map<String, CredentialConfig> credentials, int maxConcurrent,
        Duration defaultTimeout) {
    public static final int DEFAULT_MAX_CONCURRENT = 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public AgentConfig {
        credentials = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(credentials));
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max-concurrent must be at least 1");
        }
    }

    /** The credential of that name, or null. */
    public CredentialConfig credential(String name) {
        return credentials.get(name);
    }

    @Override
    public String toString() {
        return "AgentConfig[" + source + ": " + credentials.keySet() + ", max-concurrent " + maxConcurrent + "]";
    }
}
