package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fuzzes the mapping from a request to a file: a request head ({@link RequestHead}: target, absolute-form, query,
 * {@code Range}, {@code If-Range}, {@code If-Modified-Since}) answered by {@link StaticFileHandler} ({@link SafePaths},
 * {@link TreeWalker}, {@link DirectoryListing}, {@link ByteRange}) over a tree with files, directories, a FIFO and
 * symbolic links that stay inside (relative, absolute, through the name the root was given by, to links, '..' in
 * targets), lead outside (to a file, a directory, '/', '/etc', back in through the outside) or go nowhere (dangling,
 * loops). The contract on every input:
 * <ul>
 * <li>nothing outside the root is opened or answered: every file body is the whole or a slice of a file inside (each
 *     has its own content; files outside hold a marker), and of the file the kernel finds at that path; a listing names only entries of directories inside and shows
 *     no size, date or path from outside;</li>
 * <li>only {@link HttpException} with 400, 403, 404 or 405 from the handler (414, 431, 501, 505 from the head), or a
 *     valid response: 200, 206 or 416 with a Content-Range that fits the file, 304 or 412 (only with If-Match or
 *     If-Unmodified-Since) with the ETag of a file inside, 301 to a path that starts with a single '/';</li>
 * <li>no descriptor is left open once the response is released, and no hang (the FIFO is never opened).</li>
 * </ul>
 * Regression inputs in src/test/resources/io/ktls4j/http/PathFuzzTestInputs: a request target (or {@code METHOD
 * target}) and header lines, one a line ({@link #head}).
 */
class PathFuzzTest {
    /** Every file outside the root holds this. */
    private static final String OUTSIDE = "OUTSIDE-THE-ROOT";
    /** The size of the file outside; no file inside has it, so a listing that shows it leaked it. */
    private static final int OUTSIDE_SIZE = 7777;
    private static final FileTime MODIFIED = FileTime.from(Instant.parse("2001-09-09T01:46:40Z"));
    private static final Set<Integer> HEAD_REFUSALS = Set.of(400, 414, 431, 501, 505);
    private static final Set<Integer> PATH_REFUSALS = Set.of(400, 403, 404, 405);
    private static final Pattern HREF = Pattern.compile("href=\"([^\"]*)\"");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)");

    private static Tree tree;

    /** The served tree, made once per JVM under a temporary directory that is deleted at exit. */
    private record Tree(Path tmp, Path root, StaticFileHandler handler, Set<String> insideContents, Set<String> insideNames) {
    }

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"HEAD ", "\\x0aRange: bytes=", "\\x0aIf-Range: Sun, 09 Sep 2001 01:46:40 GMT",
        "\\x0aIf-Modified-Since: ", "http://h/", "/", "..", "%2e", "%2f", "%5c", "%00", "%c0%ae", ".%2e", "a.txt",
        "dir", "sub", "index.html", "in-file", "in-dir", "in-abs", "in-alias", "in-dotdot", "in-link", "up", "upup",
        "back", "out-file", "out-dir", "out-abs", "out-alias", "out-slash", "out-etc", "out-and-back", "self",
        "parent", "loop", "loop-a", "dangling", "fifo", "listed", "to-outside", "to-inside", "sp%20ace", "%C3%BC"})
    void requestTarget(byte[] input) throws Exception {
        Tree t = tree();
        byte[] head = head(input);
        HttpRequest request;
        try {
            request = RequestHead.parse(head, 0, head.length, HttpLimits.DEFAULT);
        } catch (HttpException e) {
            assertThat(e.status()).as(e.getMessage()).isIn(HEAD_REFUSALS);
            return;
        }
        long fds = openDescriptors();
        HttpResponse response;
        try {
            response = t.handler().handle(request);
        } catch (HttpException e) {
            assertThat(e.status()).as(e.getMessage()).isIn(PATH_REFUSALS);
            assertThat(openDescriptors()).isEqualTo(fds);
            return;
        }
        try {
            check(t, request, response);
        } finally {
            response.release();
        }
        assertThat(openDescriptors()).as("descriptors open after the response").isEqualTo(fds);
    }

    /**
     * The request head an input stands for: its first line is the request target (or {@code METHOD target}), each
     * further line a header field; GET, HTTP/1.1 and a Host field are added.
     */
    private static byte[] head(byte[] input) {
        String[] lines = new String(input, StandardCharsets.ISO_8859_1).split("\n", -1);
        String requestLine = lines[0].indexOf(' ') > 0 ? lines[0] : "GET " + lines[0];
        StringBuilder sb = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: h\r\n");
        for (int i = 1; i < lines.length; i++) {
            sb.append(lines[i]).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void check(Tree t, HttpRequest request, HttpResponse r) throws IOException {
        String contentRange = r.headers().first("Content-Range");
        switch (r.status()) {
            case 200, 206 -> {
                if (r.file() != null) {
                    checkFile(t, request, r, contentRange);
                } else {
                    checkListing(t, new String(r.body(), StandardCharsets.UTF_8));
                }
            }
            case 301 -> {
                String location = r.headers().first("Location");
                assertThat(location).startsWith("/").doesNotStartWith("//");
                assertThat(location.chars().allMatch(c -> c > 0x20 && c < 0x7f)).as(location).isTrue();
            }
            case 304 -> {
                assertThat(r.contentLength()).isZero();
                checkValidators(t, request, r);
            }
            case 412 -> {
                assertThat(request.headers().first("If-Match") != null
                        || request.headers().first("If-Unmodified-Since") != null)
                        .as("a 412 without If-Match or If-Unmodified-Since").isTrue();
                checkValidators(t, request, r);
            }
            case 405 -> assertThat(request.method()).isNotIn("GET", "HEAD");
            case 416 -> assertThat(contentRange).matches("bytes \\*/\\d+");
            default -> throw new AssertionError("status " + r.status() + " for " + request.requestLine());
        }
    }

    /**
     * A 304 or 412 carries no file but its validators: the ETag (mtime-size) must be that of the file the kernel finds
     * inside the root, or a condition would reveal the size of a file outside.
     */
    private static void checkValidators(Tree t, HttpRequest request, HttpResponse r) throws IOException {
        String content = kernelView(t, request);
        assertThat(t.insideContents()).as("the file a condition was evaluated on").contains(content);
        String size = Long.toHexString(content.getBytes(StandardCharsets.UTF_8).length);
        assertThat(r.headers().first("ETag")).endsWith("-" + size + "\"");
    }

    /** The body is a slice of one of the files inside, as the Content-Range says. */
    private static void checkFile(Tree t, HttpRequest request, HttpResponse r, String contentRange) throws IOException {
        HttpResponse.FileRegion region = r.file();
        long size = region.channel().size();
        ByteBuffer whole = ByteBuffer.allocate((int) size);
        while (whole.hasRemaining() && region.channel().read(whole, whole.position()) >= 0) {
            // a small test file: read it all
        }
        String content = new String(whole.array(), StandardCharsets.UTF_8);
        assertThat(t.insideContents()).as("the file a response carries").contains(content);
        assertThat(content).as("the file the kernel finds at %s", request.path()).isEqualTo(kernelView(t, request));
        assertThat(region.position()).isBetween(0L, size);
        assertThat(region.count()).isBetween(0L, size - region.position());
        if (r.status() == 200) {
            assertThat(region.position()).isZero();
            assertThat(region.count()).isEqualTo(size);
            assertThat(contentRange).isNull();
        } else {
            Matcher m = CONTENT_RANGE.matcher(contentRange);
            assertThat(m.matches()).as(contentRange).isTrue();
            assertThat(Long.parseLong(m.group(1))).isEqualTo(region.position());
            assertThat(Long.parseLong(m.group(2))).isEqualTo(region.position() + region.count() - 1);
            assertThat(Long.parseLong(m.group(3))).isEqualTo(size);
        }
    }

    /**
     * What the kernel opens for the request's path under the root, following every link (the served file, or its
     * index.html for a directory): the server may refuse more than this, but what it serves must be this.
     */
    private static String kernelView(Tree t, HttpRequest request) throws IOException {
        Path p = t.root();
        try {
            for (String name : SafePaths.names(request.path())) {
                p = p.resolve(name);
            }
        } catch (HttpException e) {
            throw new AssertionError("a path served though its names are refused: " + e.getMessage());
        }
        if (Files.isDirectory(p)) {
            p = p.resolve("index.html");
        }
        return Files.readString(p);
    }

    /** Every entry listed is a name inside the tree; nothing shows the outside file's size. */
    private static void checkListing(Tree t, String page) {
        Matcher m = HREF.matcher(page);
        while (m.find()) {
            String name = URLDecoder.decode(m.group(1).replace("&amp;", "&").replace("+", "%2B"),
                    StandardCharsets.UTF_8);
            name = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
            if (!name.equals("..")) {
                assertThat(t.insideNames()).as("an entry listed").contains(name);
            }
        }
        assertThat(page).doesNotContain(">" + OUTSIDE_SIZE + "<").doesNotContain(OUTSIDE)
                .doesNotContain(t.tmp().toString());
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static synchronized Tree tree() throws IOException {
        if (tree == null) {
            tree = makeTree();
        }
        return tree;
    }

    private static Tree makeTree() throws IOException {
        Path tmp = Files.createTempDirectory("ktls4j-path-fuzz").toRealPath();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(tmp)));
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path alias = Files.createSymbolicLink(tmp.resolve("served-alias"), root);
        Files.writeString(tmp.resolve("secret.txt"), OUTSIDE + "x".repeat(OUTSIDE_SIZE - OUTSIDE.length()));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("only-outside-name.txt"), OUTSIDE);
        Files.createSymbolicLink(outside.resolve("back-in"), root.resolve("a.txt"));

        Set<String> contents = new HashSet<>();
        for (String f : List.of("a.txt", "dir/b.txt", "dir/index.html", "dir/sub/c.txt", "listed/d.txt",
                "listed/sp ace & <b>.txt", "listed/ünï.txt", "empty.txt")) {
            Path p = root.resolve(f);
            Files.createDirectories(p.getParent());
            String content = f.equals("empty.txt") ? "" : "inside " + f + " ".repeat(f.length());
            Files.writeString(p, content);
            contents.add(content);
        }
        Files.createDirectories(root.resolve("listed/empty-dir"));
        link(root, "in-file", "a.txt");
        link(root, "in-dir", "dir");
        link(root, "in-abs", root.resolve("dir/b.txt").toString());
        link(root, "in-alias", alias.resolve("a.txt").toString());
        link(root, "in-dotdot", "dir/../a.txt");
        link(root, "in-link", "in-dir/sub");
        link(root, "dir/up", "../a.txt");
        link(root, "dir/upup", "../../secret.txt");
        link(root, "dir/sub/back", "../../in-dir");
        link(root, "out-file", "../secret.txt");
        link(root, "out-dir", "../outside");
        link(root, "out-abs", tmp.resolve("secret.txt").toString());
        link(root, "out-alias", alias.resolve("../secret.txt").toString());
        link(root, "out-slash", "/");
        link(root, "out-etc", "/etc");
        link(root, "out-and-back", "../outside/back-in");
        link(root, "self", ".");
        link(root, "parent", "..");
        link(root, "loop", "loop");
        link(root, "loop-a", "loop-b");
        link(root, "loop-b", "loop-a");
        link(root, "dangling", "nothing-here");
        link(root, "listed/to-outside", "../../secret.txt");
        link(root, "listed/to-inside", "../a.txt");
        mkfifo(root.resolve("fifo"));
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setLastModifiedTime(p, MODIFIED); // (not the FIFO: setting its times opens it)
                }
            }
        }
        Set<String> names = new HashSet<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(p -> !p.equals(root)).forEach(p -> names.add(p.getFileName().toString()));
        }
        return new Tree(tmp, root, new StaticFileHandler(alias), Set.copyOf(contents), Set.copyOf(names));
    }

    private static void link(Path root, String name, String target) throws IOException {
        Files.createSymbolicLink(root.resolve(name), Path.of(target));
    }

    /** A FIFO in the tree: opening it would block, so the server must refuse it without opening it. */
    private static void mkfifo(Path p) throws IOException {
        try {
            Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
            if (mk.waitFor() != 0) {
                throw new IOException("mkfifo failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void deleteTree(Path tmp) {
        try (Stream<Path> all = Files.walk(tmp)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory: the system cleans up what is left
        }
    }
}
