package io.ktls4j.http;

/**
 * How {@link StaticFileHandler} serves what is under its root, where nginx users expect a choice.
 *
 * @param hiddenFiles whether a path with a segment starting with '.' ({@code .git/config}, {@code .env}) is served;
 *     by default it is not (404, as a missing file, so a client cannot tell it is there), and listings omit such names
 */
public record FileServing(boolean hiddenFiles) {
    /** Hidden files refused. */
    public static final FileServing DEFAULT = new FileServing(false);

    public FileServing withHiddenFiles(boolean serve) {
        return new FileServing(serve);
    }
}
