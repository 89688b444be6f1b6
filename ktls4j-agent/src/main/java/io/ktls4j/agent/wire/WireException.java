package io.ktls4j.agent.wire;

import io.ktls4j.agent.AgentStatus;
import java.io.IOException;

/**
 * A frame or field that breaks the wire format, on either side; the daemon answers it with {@link #status()}, the
 * consumer reports a malformed reply.
 */
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
