package io.ktls4j.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Maps a request path onto a file under a root directory so that nothing outside the root is reachable: each
 * segment is percent-decoded on its own (so {@code %2f} cannot make a separator), {@code ..} is refused, and the
 * result's real path (symlinks resolved) must still lie under the root's real path.
 */
public final class SafePaths {
    private final Path realRoot;

    /** @param root the directory to serve; resolved to its real path once, here */
    public SafePaths(Path root) throws IOException {
        this.realRoot = root.toRealPath();
        if (!Files.isDirectory(realRoot)) {
            throw new IOException(root + " is not a directory");
        }
    }

    public Path root() {
        return realRoot;
    }

    /**
     * The real path of the file a raw (percent-encoded) request path names.
     *
     * @throws HttpException 400 for bad percent-encoding, a NUL or invalid UTF-8; 403 for {@code ..} or a path whose
     *     real location is outside the root; 404 when nothing is there (or a segment decodes to a separator)
     */
    public Path resolve(String rawPath) throws HttpException {
        if (!rawPath.startsWith("/")) {
            throw new HttpException(400, "the path does not start with '/'");
        }
        Path p = realRoot;
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
                p = p.resolve(name);
            } catch (InvalidPathException e) {
                throw new HttpException(400, "not a valid file name");
            }
        }
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new HttpException(404, "no such file");
        }
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            throw new HttpException(404, "no such file (dangling link)");
        }
        if (!real.startsWith(realRoot)) {
            throw new HttpException(403, "the path leads outside the served directory");
        }
        if (!Files.isReadable(real)) {
            throw new HttpException(403, "not readable");
        }
        return real;
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
