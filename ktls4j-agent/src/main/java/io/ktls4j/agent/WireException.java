package io.ktls4j.agent;

import java.io.IOException;

/** A frame or field that breaks the wire format; the agent answers it with {@link #status()}. */
public final class WireException extends IOException {
    private static final long serialVersionUID = 1L;

    private final AgentStatus status;

    public WireException(AgentStatus status, String message) {
        super(message);
        this.status = status;
    }

    /** {@link AgentStatus#BAD_REQUEST} or {@link AgentStatus#VERSION_UNSUPPORTED}. */
    public AgentStatus status() {
        return status;
    }
}
