package io.ktls4j;

/**
 * {@code EBADMSG}: a record failed authentication or its plaintext is malformed. Sticky: every later read on the
 * same socket fails the same way, as in the kernel. Data from records before the bad one has been delivered.
 */
public final class BadRecordException extends KtlsException {
    private static final long serialVersionUID = 1L;

    public BadRecordException(String message) {
        super(Errno.EBADMSG, message);
    }
}
