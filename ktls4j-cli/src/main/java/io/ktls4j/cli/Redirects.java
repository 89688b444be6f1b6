package io.ktls4j.cli;

import io.ktls4j.http.ResponseHead;
import java.net.URI;
import java.net.URISyntaxException;

/** What {@code ktls get -L} follows: a redirect status with a Location, resolved against the URL it answered. */
final class Redirects {
    private Redirects() {
    }

    /** 301, 302, 303, 307 and 308: the statuses curl -L follows (300 Multiple Choices is a page to choose from). */
    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /**
     * Where {@code head} sends the client next, or null when it is not a redirect or has no Location.
     *
     * @throws IllegalStateException when the Location is not a URI reference
     */
    static URI next(URI current, ResponseHead head) {
        String location = head.headers().first("Location");
        if (!isRedirect(head.status()) || location == null || location.isBlank()) {
            return null;
        }
        try {
            return base(current).resolve(new URI(location.strip()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(current + " redirected to \"" + location.strip()
                    + "\", which is not a URL");
        }
    }

    /** The URL with "/" for an empty path: URI.resolve would glue a relative reference to the authority. */
    private static URI base(URI u) {
        if (u.getRawPath() != null && !u.getRawPath().isEmpty()) {
            return u;
        }
        return URI.create(u.getScheme() + "://" + u.getRawAuthority() + "/"
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
    }
}
