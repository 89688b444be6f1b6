package io.ktls4j.agent.daemon;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded configuration: the credentials by name and the agent-wide limits. Immutable: a reload makes a new one, and
 * a request keeps the one it started with.
 *
 * @param source where it came from ("/etc/ktls4j/agent.conf", "built-in default")
 * @param maxSessions how many TLS 1.3 sessions the agent keeps traffic secrets for at once (protocol version 2)
 * @param sessionIdle how long a kept session may go without an operation before the agent releases it
 */
public record AgentConfig(String source, Map<String, CredentialConfig> credentials, int maxConcurrent,
        Duration defaultTimeout, int maxSessions, Duration sessionIdle) {
    public static final int DEFAULT_MAX_CONCURRENT = 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_SESSIONS = 4096;
    public static final Duration DEFAULT_SESSION_IDLE = Duration.ofHours(24);

    public AgentConfig {
        credentials = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(credentials));
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max-concurrent must be at least 1");
        }
        if (maxSessions < 0) {
            throw new IllegalArgumentException("max-sessions must be at least 0");
        }
    }

    /** A configuration with the default session limits. */
    public AgentConfig(String source, Map<String, CredentialConfig> credentials, int maxConcurrent,
            Duration defaultTimeout) {
        this(source, credentials, maxConcurrent, defaultTimeout, DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_IDLE);
    }

    /** The credential of that name, or null. */
    public CredentialConfig credential(String name) {
        return credentials.get(name);
    }

    @Override
    public String toString() {
        return "AgentConfig[" + source + ": " + credentials.keySet() + ", max-concurrent " + maxConcurrent + ", max-sessions "
                + maxSessions + "]";
    }
}
