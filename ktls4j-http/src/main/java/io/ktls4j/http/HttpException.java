package io.ktls4j.http;

/**
 * A request the server refuses with an error status (400, 408, 413, 414, 431, 501, 505 ...). After such an error the
 * connection is closed, since the rest of the input can no longer be framed.
 */
public final class HttpException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    public HttpException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The status the server answers with. */
    public int status() {
        return status;
    }
}
