package io.ktls4j.http;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Opens a path under the root one name at a time, each relative to the directory handle opened for the name before
 * it and never following a symbolic link ({@link SecureDirectoryStream}: {@code openat(O_NOFOLLOW)} and
 * {@code fstatat(AT_SYMLINK_NOFOLLOW)} on Linux). Where a name is a symbolic link, its target is resolved here, by
 * name, against the names walked so far, and accepted only if it stays under the root; the walk then starts again
 * from the root with the target's names. So links inside the tree work, while a file or directory swapped for a link
 * between two requests, or in the middle of one, can only make the open fail: the kernel is never asked to follow a
 * link, and nothing is opened by a path that was checked earlier (no check-then-use race).
 *
 * <p>Holds no descriptor between calls: each walk opens the root again (so replacing the root directory by renaming
 * takes effect at once) and closes every directory it passed through.
 */
final class TreeWalker {
    /** The kernel's MAXSYMLINKS: more links than this in one walk is ELOOP. */
    static final int MAX_LINKS = 40;

    /** What to do with the last name. */
    enum Mode {
        /** Open it: a channel for a regular file, a directory handle for a directory. */
        OPEN,
        /** Only read its attributes (of the link's target, when it is an accepted link). */
        STAT
    }

    private final Path root;
    private final Path givenRoot;

    /**
     * @param root the real path of the served directory
     * @param givenRoot its absolute path as the operator named it: absolute link targets may start with either
     */
    TreeWalker(Path root, Path givenRoot) throws IOException {
        this.root = root;
        this.givenRoot = givenRoot;
        try (DirectoryStream<Path> d = Files.newDirectoryStream(root)) {
            if (!(d instanceof SecureDirectoryStream)) {
                throw new IOException("this platform has no SecureDirectoryStream (openat): the server cannot open "
                        + "files under " + root + " without following symbolic links");
            }
        }
    }

    /**
     * Walks {@code names} (each a single name: not empty, not "." or "..", no '/') from the root.
     *
     * @throws HttpException 404 when a name is missing, is not a directory where one is needed, or changed under the
     *     walk (a swapped link makes the no-follow open fail); 403 when a link leads outside the root, or the file is
     *     neither a regular file nor a directory, or is not readable; 503 when out of file descriptors
     */
    ServedPath walk(List<String> names, Mode mode) throws HttpException, IOException {
        Deque<String> todo = new ArrayDeque<>(names);
        List<String> at = new ArrayList<>();
        int links = 0;
        SecureDirectoryStream<Path> dir = openRoot();
        BasicFileAttributes attrs = null;
        try {
            while (!todo.isEmpty()) {
                String name = todo.poll();
                Path p = Path.of(name);
                BasicFileAttributes a = lstat(dir, p);
                if (a.isSymbolicLink()) {
                    if (++links > MAX_LINKS) {
                        throw new HttpException(404, "too many levels of symbolic links");
                    }
                    List<String> target = resolveLink(at, readLink(at, name));
                    for (int i = target.size() - 1; i >= 0; i--) {
                        todo.push(target.get(i));
                    }
                    dir.close();
                    dir = openRoot();
                    at.clear();
                    attrs = null;
                    continue;
                }
                if (todo.isEmpty() && !a.isDirectory()) {
                    at.add(name);
                    return last(dir, p, a, at, mode);
                }
                if (!a.isDirectory()) {
                    throw new HttpException(404, "no such file (not a directory: " + name + ")");
                }
                if (todo.isEmpty() && mode == Mode.STAT) {
                    at.add(name);
                    return ServedPath.stat(at, a);
                }
                SecureDirectoryStream<Path> next = openDirectory(dir, p);
                dir.close();
                dir = next;
                at.add(name);
                attrs = a;
            }
            if (attrs == null) {
                attrs = Files.readAttributes(root, BasicFileAttributes.class);
            }
            if (mode == Mode.STAT) {
                return ServedPath.stat(at, attrs);
            }
            ServedPath result = ServedPath.directory(at, attrs, dir);
            dir = null;
            return result;
        } finally {
            if (dir != null) {
                dir.close();
            }
        }
    }

    private static ServedPath last(SecureDirectoryStream<Path> dir, Path p, BasicFileAttributes a, List<String> at,
                                   Mode mode) throws HttpException, IOException {
        if (!a.isRegularFile()) {
            throw new HttpException(403, "not a regular file");
        }
        if (mode == Mode.STAT) {
            return ServedPath.stat(at, a);
        }
        SeekableByteChannel c = open(() -> dir.newByteChannel(p,
                Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
        if (!(c instanceof FileChannel f)) {
            c.close();
            throw new IOException("the platform opened " + p + " as a " + c.getClass().getName()
                    + ", not a FileChannel");
        }
        return ServedPath.file(at, a, f);
    }

    private static SecureDirectoryStream<Path> openDirectory(SecureDirectoryStream<Path> dir, Path p)
            throws HttpException, IOException {
        return open(() -> dir.newDirectoryStream(p, LinkOption.NOFOLLOW_LINKS));
    }

    @SuppressWarnings("unchecked")
    private SecureDirectoryStream<Path> openRoot() throws HttpException, IOException {
        return open(() -> (SecureDirectoryStream<Path>) Files.newDirectoryStream(root));
    }

    private static BasicFileAttributes lstat(SecureDirectoryStream<Path> dir, Path p) throws HttpException, IOException {
        return open(() -> dir.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes());
    }

    /**
     * The text of the link at {@code at/name}. Read by path, which may follow links swapped in above it: harmless,
     * the text is only a name to resolve and walk again from the root, never opened as it is.
     */
    private String readLink(List<String> at, String name) throws HttpException, IOException {
        Path link = root;
        for (String n : at) {
            link = link.resolve(n);
        }
        Path l = link.resolve(name);
        return open(() -> Files.readSymbolicLink(l)).toString();
    }

    /**
     * The names from the root that a link found in directory {@code at} leads to, resolved by name ('..' takes the
     * name before it off, as the kernel does in a directory reached without links).
     *
     * @throws HttpException 403 when the target is outside the root
     */
    List<String> resolveLink(List<String> at, String target) throws HttpException {
        List<String> names = new ArrayList<>();
        String rest = target;
        if (target.startsWith("/")) {
            Path t = Path.of(target).normalize();
            Path base = t.startsWith(root) ? root : t.startsWith(givenRoot) ? givenRoot : null;
            if (base == null) {
                throw new HttpException(403, "the path leads outside the served directory");
            }
            rest = base.relativize(t).toString();
        } else {
            names.addAll(at);
        }
        for (String n : rest.split("/")) {
            if (n.isEmpty() || n.equals(".")) {
                continue;
            }
            if (n.equals("..")) {
                if (names.isEmpty()) {
                    throw new HttpException(403, "the path leads outside the served directory");
                }
                names.removeLast();
            } else {
                names.add(n);
            }
        }
        return names;
    }

    @FunctionalInterface
    private interface Io<T> {
        T run() throws IOException;
    }

    /** Runs one file system call, mapping its failure to the status it answers. */
    private static <T> T open(Io<T> call) throws HttpException, IOException {
        try {
            return call.run();
        } catch (AccessDeniedException e) {
            throw new HttpException(403, "not readable");
        } catch (FileSystemException e) {
            String reason = String.valueOf(e.getReason());
            if (reason.contains("Too many open files")) {
                throw new HttpException(503, "the server is out of file descriptors; try again");
            }
            // ENOENT, ENOTDIR: the name is gone, or was swapped for something else meanwhile
            throw new HttpException(404, "no such file");
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).startsWith("Too many levels of symbolic links")) {
                // ELOOP from O_NOFOLLOW: the name was swapped for a link after it was looked at
                throw new HttpException(404, "no such file (it changed into a link)");
            }
            throw e;
        }
    }
}
