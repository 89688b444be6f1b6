package io.ktls4j;

/**
 * {@code EMSGSIZE}: a received record header announces more than 2^14 bytes plus the cipher's overhead. Reported once;
 * the record parser then stops (later non-blocking reads see EAGAIN, as the kernel's tls_err.bad_rec shows).
 */
public final class RecordOverflowException extends KtlsException {
    private static final long serialVersionUID = 1L;

    public RecordOverflowException(String message) {
        super(Errno.EMSGSIZE, message);
    }
}
