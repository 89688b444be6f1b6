package io.ktls4j;

/** {@code EKEYEXPIRED}: a TLS 1.3 KeyUpdate has been read; reads fail until the next {@code TLS_RX} key is installed. */
public final class KeyExpiredException extends KtlsException {
    private static final long serialVersionUID = 1L;

    public KeyExpiredException() {
        super(Errno.EKEYEXPIRED, "a KeyUpdate was received; install the next TLS_RX key before reading on");
    }
}
