package io.ktls4j.http;

/**
 * How {@link StaticFileHandler} serves what is under its root, where nginx users expect a choice.
 *
 * @param hiddenFiles whether a path with a segment starting with '.' ({@code .git/config}, {@code .env}) is served;
 *     by default it is not (404, as a missing file, so a client cannot tell it is there), and listings omit such names
 * @param cacheControl the {@code Cache-Control} value of file responses (200, 206, 304), or {@code null} for none
 * @param precompressed whether {@code FILE.br} or {@code FILE.gz} is sent in place of {@code FILE} to a client whose
 *     Accept-Encoding takes it (nginx's {@code gzip_static on}), with {@code Content-Encoding} and
 *     {@code Vary: Accept-Encoding}; the sibling must match the file: nothing checks that it does
 */
public record FileServing(boolean hiddenFiles, String cacheControl, boolean precompressed) {
    /** Hidden files refused, no Cache-Control, precompressed siblings served. */
    public static final FileServing DEFAULT = new FileServing(false, null, true);

    public FileServing {
        if (cacheControl != null && (cacheControl.isBlank() || cacheControl.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            throw new IllegalArgumentException("Cache-Control must be a non-empty header value without control "
                    + "characters: " + cacheControl.strip());
        }
    }

    public FileServing withHiddenFiles(boolean serve) {
        return new FileServing(serve, cacheControl, precompressed);
    }

    public FileServing withCacheControl(String value) {
        return new FileServing(hiddenFiles, value, precompressed);
    }

    public FileServing withPrecompressed(boolean serve) {
        return new FileServing(hiddenFiles, cacheControl, serve);
    }
}
