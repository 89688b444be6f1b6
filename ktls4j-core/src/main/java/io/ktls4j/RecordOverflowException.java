package io.ktls4j;

/** {@code EMSGSIZE}: a received record header announces more than 2^14 bytes plus the cipher's overhead. Sticky. */
public final class RecordOverflowException extends KtlsException {
    private static final long serialVersionUID = 1L;

    public RecordOverflowException(String message) {
        super(Errno.EMSGSIZE, message);
    }
}
