package io.ktls4j;

/**
 * {@code EAGAIN}: a non-blocking call could make no progress. Never marks the socket broken; retry when the channel
 * is ready. Stackless, since it is part of normal non-blocking flow.
 */
public final class WouldBlockException extends KtlsException {
    private static final long serialVersionUID = 1L;

    public WouldBlockException(String what) {
        super(Errno.EAGAIN, what, false);
    }
}
