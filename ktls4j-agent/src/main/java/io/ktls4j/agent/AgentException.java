package io.ktls4j.agent;

import java.io.IOException;

/**
 * The agent refused or failed a request, or could not be reached. {@link #status()} says which (docs/AGENT.md,
 * "Statuses"); {@link #socketState()} says what became of the consumer's socket: still open and plain
 * ({@link SocketState#UNTOUCHED}), or closed by the consumer API ({@link SocketState#UNUSABLE}).
 */
public final class AgentException extends IOException {
    private static final long serialVersionUID = 1L;

    private final AgentStatus status;
    private final SocketState socketState;

    public AgentException(AgentStatus status, SocketState socketState, String message) {
        super(status + " (" + status.meaning() + ")" + (message == null || message.isEmpty() ? "" : ": " + message));
        this.status = status;
        this.socketState = socketState;
    }

    public AgentException(AgentStatus status, SocketState socketState, String message, Throwable cause) {
        this(status, socketState, message);
        initCause(cause);
    }

    public AgentStatus status() {
        return status;
    }

    /** {@link SocketState#UNTOUCHED}: the channel is open and usable as plain TCP; otherwise it has been closed. */
    public SocketState socketState() {
        return socketState;
    }
}
