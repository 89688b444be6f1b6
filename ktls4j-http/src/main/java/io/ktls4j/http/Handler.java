package io.ktls4j.http;

import java.io.IOException;

/** Answers one request. Runs on the connection's (virtual) thread; may block. */
@FunctionalInterface
public interface Handler {

    /**
     * @return the response; an {@link HttpException} becomes a small error page with its status
     */
    HttpResponse handle(HttpRequest request) throws IOException, HttpException;

    /** Sends requests whose path starts with {@code prefix} to {@code handler}, the others to {@code rest}. */
    static Handler route(String prefix, Handler handler, Handler rest) {
        return r -> r.path().startsWith(prefix) ? handler.handle(r) : rest.handle(r);
    }
}
