package io.ktls4j.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps a request path onto a file under a root directory so that nothing outside the root is reachable: each
 * segment is percent-decoded on its own (so {@code %2f} cannot make a separator), {@code ..} is refused, and the
 * names are then opened one at a time from the root by {@link TreeWalker}, which never lets the kernel follow a
 * symbolic link: a link inside the tree is resolved by name and must stay under the root, and a name swapped for a
 * link during the walk makes the open fail (no check-then-open race).
 */
public final class SafePaths {
    private final Path realRoot;
    private final TreeWalker walker;
    private final boolean hiddenFiles;

    /** Refuses hidden files (see {@link #SafePaths(Path, boolean)}). */
    public SafePaths(Path root) throws IOException {
        this(root, false);
    }

    /**
     * @param root the directory to serve; resolved to its real path once, here
     * @param hiddenFiles whether a request path may have a segment starting with '.'; when not, such a path is "no
     *     such file" (404) before anything is opened
     */
    public SafePaths(Path root, boolean hiddenFiles) throws IOException {
        this.hiddenFiles = hiddenFiles;
        this.realRoot = root.toRealPath();
        if (!Files.isDirectory(realRoot)) {
            throw new IOException(root + " is not a directory");
        }
        this.walker = new TreeWalker(realRoot, root.toAbsolutePath().normalize());
    }

    public Path root() {
        return realRoot;
    }

    /**
     * Opens what a raw (percent-encoded) request path names: a regular file or a directory.
     *
     * @throws HttpException 400 for bad percent-encoding, a NUL or invalid UTF-8; 403 for {@code ..}, a link that
     *     leads outside the root, a file that is neither regular nor a directory, or one not readable; 404 when
     *     nothing is there (or a segment decodes to a separator, or a name changed under the walk)
     */
    ServedPath open(String rawPath) throws HttpException, IOException {
        List<String> names = names(rawPath);
        if (!hiddenFiles && names.stream().anyMatch(SafePaths::isHidden)) {
            throw new HttpException(404, "no such file");
        }
        return walker.walk(names, TreeWalker.Mode.OPEN);
    }

    /** Whether hidden files are served. */
    boolean servesHiddenFiles() {
        return hiddenFiles;
    }

    /** A name starting with '.' ({@code .git}, {@code .env}; "." and ".." never get this far). */
    static boolean isHidden(String name) {
        return name.startsWith(".");
    }

    /** Opens {@code name} in the directory {@code dir} names (as {@link #open}). */
    ServedPath open(List<String> dir, String name, TreeWalker.Mode mode) throws HttpException, IOException {
        List<String> names = new ArrayList<>(dir);
        names.add(name);
        return walker.walk(names, mode);
    }

    /** The decoded names of a raw request path, each checked. */
    static List<String> names(String rawPath) throws HttpException {
        if (!rawPath.startsWith("/")) {
            throw new HttpException(400, "the path does not start with '/'");
        }
        List<String> names = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            String name = decode(segment);
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                throw new HttpException(403, "'..' is not allowed in a path");
            }
            if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
                throw new HttpException(404, "a path segment holds an encoded separator");
            }
            try {
                Path.of(name);
            } catch (InvalidPathException e) {
                throw new HttpException(400, "not a valid file name");
            }
            names.add(name);
        }
        return names;
    }

    /** Percent-decodes one path segment as UTF-8 ('+' stays '+', as in paths). */
    static String decode(String segment) throws HttpException {
        if (segment.indexOf('%') < 0) {
            return checkChars(segment);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (i + 2 >= segment.length()) {
                throw new HttpException(400, "truncated percent-encoding");
            }
            int hi = Character.digit(segment.charAt(i + 1), 16);
            int lo = Character.digit(segment.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                throw new HttpException(400, "bad percent-encoding");
            }
            out.write(hi << 4 | lo);
            i += 2;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
            return checkChars(s);
        } catch (CharacterCodingException e) {
            throw new HttpException(400, "the path is not valid UTF-8");
        }
    }

    private static String checkChars(String s) throws HttpException {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
                throw new HttpException(400, "a control character in the path");
            }
        }
        return s;
    }

    /** Percent-encodes a file name for use as one path segment of a link (RFC 3986 unreserved stay as they are). */
    public static String encodeSegment(String name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
