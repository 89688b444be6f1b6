package io.ktls4j.http;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * What a request path led to under the root ({@link TreeWalker}): an open regular file, an open directory, or (for
 * {@link TreeWalker.Mode#STAT}) only attributes. Owns the open handle until {@link #close()} or until the file is
 * taken ({@link #takeFile()}).
 */
final class ServedPath implements Closeable {
    private final List<String> names;
    private final BasicFileAttributes attributes;
    private FileChannel file;
    private final SecureDirectoryStream<Path> directory;

    private ServedPath(List<String> names, BasicFileAttributes attributes, FileChannel file,
                       SecureDirectoryStream<Path> directory) {
        this.names = List.copyOf(names);
        this.attributes = attributes;
        this.file = file;
        this.directory = directory;
    }

    static ServedPath file(List<String> names, BasicFileAttributes a, FileChannel file) {
        return new ServedPath(names, a, file, null);
    }

    static ServedPath directory(List<String> names, BasicFileAttributes a, SecureDirectoryStream<Path> directory) {
        return new ServedPath(names, a, null, directory);
    }

    static ServedPath stat(List<String> names, BasicFileAttributes a) {
        return new ServedPath(names, a, null, null);
    }

    /** The names from the root to what was opened, links resolved. */
    List<String> names() {
        return names;
    }

    /** The last name ("" for the root). */
    String name() {
        return names.isEmpty() ? "" : names.getLast();
    }

    /**
     * The attributes read (without following) just before the open. The size of an open file is its channel's
     * ({@code fstat}): these may describe a file swapped in under the same name meanwhile.
     */
    BasicFileAttributes attributes() {
        return attributes;
    }

    boolean isDirectory() {
        return attributes.isDirectory();
    }

    /** The open directory ({@link TreeWalker.Mode#OPEN} of a directory), or null. */
    SecureDirectoryStream<Path> directory() {
        return directory;
    }

    /** The open file, now owned by the caller (who closes it), or null. */
    FileChannel takeFile() {
        FileChannel f = file;
        file = null;
        return f;
    }

    /** The open file's size, from its descriptor. */
    long fileSize() throws IOException {
        return file.size();
    }

    @Override
    public void close() throws IOException {
        try {
            if (file != null) {
                file.close();
            }
        } finally {
            if (directory != null) {
                directory.close();
            }
        }
    }
}
