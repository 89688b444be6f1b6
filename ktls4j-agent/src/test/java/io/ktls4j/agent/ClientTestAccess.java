package io.ktls4j.agent;

/** The consumer side's test hooks, for the daemon's tests (another package). */
public final class ClientTestAccess {
    private ClientTestAccess() {
    }

    /** {@code client} asking in protocol {@code version} (1: the agent keeps no session). */
    public static AgentClient speaking(AgentClient client, int version) {
        return client.withProtocolVersion(version);
    }
}
