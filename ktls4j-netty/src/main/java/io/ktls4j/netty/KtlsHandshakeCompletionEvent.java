package io.ktls4j.netty;

import java.util.Objects;

/**
 * The user event a {@link KtlsHandler} fires once its handshake has ended, as {@code SslHandler} fires
 * {@code SslHandshakeCompletionEvent}: on success it carries the {@link KtlsSession} (negotiated parameters and the
 * backend of each direction), on failure the typed cause ({@link io.ktls4j.handshake.TlsAlertException},
 * {@link io.ktls4j.handshake.TlsHandshakeException}, {@link io.ktls4j.handshake.TlsHandshakeTimeoutException}, or a
 * {@link io.ktls4j.KtlsException} when the kernel refused keys a policy required it to take), which is also fired as
 * {@code exceptionCaught}.
 */
public final class KtlsHandshakeCompletionEvent {
    private final KtlsSession session;
    private final Throwable cause;

    private KtlsHandshakeCompletionEvent(KtlsSession session, Throwable cause) {
        this.session = session;
        this.cause = cause;
    }

    static KtlsHandshakeCompletionEvent success(KtlsSession session) {
        return new KtlsHandshakeCompletionEvent(Objects.requireNonNull(session), null);
    }

    static KtlsHandshakeCompletionEvent failure(Throwable cause) {
        return new KtlsHandshakeCompletionEvent(null, Objects.requireNonNull(cause));
    }

    public boolean isSuccess() {
        return cause == null;
    }

    /** The session; null when the handshake failed. */
    public KtlsSession session() {
        return session;
    }

    /** Why the handshake failed; null on success. */
    public Throwable cause() {
        return cause;
    }

    @Override
    public String toString() {
        return "KtlsHandshakeCompletionEvent(" + (cause == null ? session : cause) + ")";
    }
}
