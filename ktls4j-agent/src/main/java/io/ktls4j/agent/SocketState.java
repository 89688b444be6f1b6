package io.ktls4j.agent;

/** SOCKET_STATE of a reply: what the agent left on the consumer's TCP socket. */
public enum SocketState {
    /** Nothing read, written or set: a plain TCP socket, as the consumer sent it. */
    UNTOUCHED(1),
    /** A TLS session whose keys are installed (or returned). */
    ESTABLISHED(2),
    /** A failed or abandoned TLS session: close it. */
    UNUSABLE(3);

    private final int code;

    SocketState(int code) {
        this.code = code;
    }

    /** The u8 on the wire. */
    public int code() {
        return code;
    }
}
