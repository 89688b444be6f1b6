package io.ktls4j.agent;

/** SOCKET_STATE of a reply: what the agent left on the consumer's TCP socket. */
public enum SocketState {
    /** Nothing read, written or set: a plain TCP socket, as the consumer sent it. */
    UNTOUCHED(1),
    /** A TLS session whose keys are installed (or returned). */
    ESTABLISHED(2),
    /** A failed or abandoned TLS session: close it. */
    UNUSABLE(3);

    final int code;

    SocketState(int code) {
        this.code = code;
    }

    static SocketState of(int code) throws WireException {
        for (SocketState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw Wire.bad("SOCKET_STATE must be 1..3, got " + code);
    }

    /** The state a status implies when a reply does not say. */
    static SocketState implied(AgentStatus status) {
        return status == AgentStatus.OK ? ESTABLISHED : status.socketUntouched() ? UNTOUCHED : UNUSABLE;
    }
}
