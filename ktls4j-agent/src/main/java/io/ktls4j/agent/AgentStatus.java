package io.ktls4j.agent;

/**
 * The STATUS of a reply (docs/AGENT.md, "Statuses"). Codes below 20 are answered before the agent touches the TCP
 * socket ({@link #socketUntouched()}); from 20 up the socket carries a failed TLS session and must be closed.
 */
public enum AgentStatus {
    OK(0, "ok"),
    BAD_REQUEST(1, "malformed request"),
    VERSION_UNSUPPORTED(2, "unsupported protocol version"),
    BAD_DESCRIPTOR(3, "the request must carry exactly one descriptor"),
    NOT_TCP_SOCKET(4, "the descriptor is not a TCP stream socket"),
    NOT_CONNECTED(5, "the socket is not a connected TCP socket"),
    DENIED(6, "not on the credential's allow list"),
    UNKNOWN_CREDENTIAL(7, "no such credential"),
    UNSUPPORTED_REQUEST(8, "the credential cannot do this side or authentication mode"),
    KTLS_UNAVAILABLE(9, "the kernel cannot carry this session and the policy refuses to return keys"),
    BUSY(10, "too many handshakes in progress"),
    SHUTTING_DOWN(11, "the agent is stopping"),
    UNKNOWN_SESSION(12, "no such session on this connection (released, expired or never issued)"),
    REKEY_UNSUPPORTED(13, "the kernel cannot install a second TLS 1.3 key (TLS 1.3 rekey needs Linux 6.14)"),
    WOULD_BLOCK(14, "the socket's send buffer is full"),
    HANDSHAKE_FAILED(20, "the TLS handshake failed"),
    TIMEOUT(21, "the TLS handshake timed out"),
    KERNEL_REFUSED(22, "the kernel refused the session keys and the policy refuses to return them"),
    INTERNAL_ERROR(23, "internal error");

    private final int code;
    private final String meaning;

    AgentStatus(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** The u16 on the wire. */
    public int code() {
        return code;
    }

    /** What the status means, in a few words. */
    public String meaning() {
        return meaning;
    }

    /** True when the agent answered before reading, writing or configuring the TCP socket. */
    public boolean socketUntouched() {
        return code < 20;
    }

    /** The status for a wire code; unknown codes map to {@link #INTERNAL_ERROR}. */
    public static AgentStatus of(int code) {
        for (AgentStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return INTERNAL_ERROR;
    }
}
