package io.ktls4j.http;

/**
 * How {@link StaticFileHandler} serves what is under its root, where nginx users expect a choice.
 *
 * @param hiddenFiles whether a path with a segment starting with '.' ({@code .git/config}, {@code .env}) is served;
 *     by default it is not (404, as a missing file, so a client cannot tell it is there), and listings omit such names
 * @param cacheControl the {@code Cache-Control} value of file responses (200, 206, 304), or {@code null} for none
 */
public record FileServing(boolean hiddenFiles, String cacheControl) {
    /** Hidden files refused, no Cache-Control. */
    public static final FileServing DEFAULT = new FileServing(false, null);

    public FileServing {
        if (cacheControl != null && (cacheControl.isBlank() || cacheControl.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            throw new IllegalArgumentException("Cache-Control must be a non-empty header value without control "
                    + "characters: " + cacheControl.strip());
        }
    }

    public FileServing withHiddenFiles(boolean serve) {
        return new FileServing(serve, cacheControl);
    }

    public FileServing withCacheControl(String value) {
        return new FileServing(hiddenFiles, value);
    }
}
