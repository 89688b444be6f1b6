package io.ktls4j;

/**
 * The Linux errno values the kTLS record layer answers with. Every {@link KtlsException} carries the one it mirrors,
 * so the software backend and the kernel backend report the same condition the same way.
 */
public enum Errno {
    EPERM(1, "operation not permitted (e.g. a pipe larger than /proc/sys/fs/pipe-max-size)"),
    ENOENT(2, "no such ULP (the tls module is not loaded or not built)"),
    EIO(5, "a control record is next and the call cannot take its type"),
    EAGAIN(11, "would block"),
    ENOMEM(12, "out of memory"),
    EFAULT(14, "bad address"),
    EBUSY(16, "busy"),
    EEXIST(17, "already exists"),
    EINVAL(22, "invalid argument"),
    EPIPE(32, "broken pipe"),
    EPROTO(71, "protocol error"),
    EBADMSG(74, "bad message (record authentication failed)"),
    EMSGSIZE(90, "message too long"),
    ENOPROTOOPT(92, "protocol option not available"),
    EOPNOTSUPP(95, "operation not supported"),
    ECONNRESET(104, "connection reset by peer"),
    EISCONN(106, "already connected"),
    ENOTCONN(107, "not connected"),
    EKEYEXPIRED(127, "key has expired (a KeyUpdate was read; install the next TLS_RX key)");

    private final int code;
    private final String meaning;

    Errno(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** The numeric errno on Linux x86-64/aarch64. */
    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The enum for a numeric errno, or {@code null} if the record layer does not use it. */
    public static Errno ofCode(int code) {
        for (Errno e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return null;
    }
}
