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
 * @param maxUnreadPerUid connections of one uid whose request has not been read yet; more are closed unread
 */
public record AgentConfig(String source, Map<String, CredentialConfig> credentials, int maxConcurrent,
        Duration defaultTimeout, int maxSessions, Duration sessionIdle, int maxUnreadPerUid) {
    public static final int DEFAULT_MAX_CONCURRENT = 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_SESSIONS = 4096;
    public static final Duration DEFAULT_SESSION_IDLE = Duration.ofHours(24);
    /**
     * A request takes microseconds to arrive from a real consumer, so this only bounds a peer that opens connections
     * and dribbles (each holds a descriptor until its request is read or times out).
     */
    public static final int DEFAULT_MAX_UNREAD_PER_UID = 256;

    public AgentConfig {
        credentials = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(credentials));
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max-concurrent must be at least 1");
        }
        if (maxSessions < 0) {
            throw new IllegalArgumentException("max-sessions must be at least 0");
        }
        if (maxUnreadPerUid < 1) {
            throw new IllegalArgumentException("max-unread-per-uid must be at least 1");
        }
    }

    /** A configuration with the default session limits. */
    public AgentConfig(String source, Map<String, CredentialConfig> credentials, int maxConcurrent,
            Duration defaultTimeout) {
        this(source, credentials, maxConcurrent, defaultTimeout, DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_IDLE,
                DEFAULT_MAX_UNREAD_PER_UID);
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
