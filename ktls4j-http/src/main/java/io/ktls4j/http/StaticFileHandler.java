package io.ktls4j.http;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Serves the files under one directory: GET and HEAD, {@code Range} (several as {@code multipart/byteranges}),
 * {@code ETag} ({@link EntityTags}) with {@code If-Match}, {@code If-Unmodified-Since}, {@code If-None-Match},
 * {@code If-Modified-Since}, {@code If-Range} by tag or date, {@code index.html} or a listing for directories; hidden
 * files (names starting with '.') only when {@link FileServing#hiddenFiles()} says so; a {@code .br} or {@code .gz}
 * sibling in place of the file for a client that accepts it ({@link ContentCoding},
 * {@link FileServing#precompressed()}).
 * Paths are opened by {@link SafePaths}; a file's response carries the channel opened there, so what is sent is what
 * was checked.
 */
public final class StaticFileHandler implements Handler {
    private static final String INDEX = "index.html";

    private final SafePaths paths;
    private final FileServing serving;

    public StaticFileHandler(Path root) throws IOException {
        this(root, FileServing.DEFAULT);
    }

    public StaticFileHandler(Path root, FileServing serving) throws IOException {
        this.paths = new SafePaths(root, serving.hiddenFiles());
        this.serving = serving;
    }

    public Path root() {
        return paths.root();
    }

    @Override
    public HttpResponse handle(HttpRequest request) throws IOException, HttpException {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return HttpResponse.error(405, request.method() + " is not allowed here; use GET or HEAD")
                    .header("Allow", "GET, HEAD");
        }
        try (ServedPath target = paths.open(request.path())) {
            return target.isDirectory() ? directory(request, target) : regularFile(request, target);
        }
    }

    private HttpResponse directory(HttpRequest request, ServedPath dir) throws IOException, HttpException {
        if (!request.path().endsWith("/")) {
            String location = redirectPath(request.path()) + (request.query() == null ? "" : "?" + request.query());
            return HttpResponse.error(301, "moved to " + location).header("Location", location);
        }
        try (ServedPath index = paths.open(dir.names(), INDEX, TreeWalker.Mode.OPEN)) {
            if (!index.isDirectory()) {
                return regularFile(request, index);
            }
        } catch (HttpException e) {
            // no index (or one that may not be served): list the directory instead
        }
        StringBuilder decoded = new StringBuilder("/");
        for (String segment : request.path().split("/")) {
            if (!segment.isEmpty()) {
                decoded.append(SafePaths.decode(segment)).append('/');
            }
        }
        return HttpResponse.bytes(200, "text/html; charset=utf-8",
                DirectoryListing.page(decoded.toString(), dir, paths));
    }

    /**
     * Where a directory named without its trailing slash moves to: the path with empty and "." segments dropped, so
     * that it starts with exactly one '/'. ({@code //dir/} would be a network-path reference: a browser would go to
     * the host "dir".)
     */
    static String redirectPath(String rawPath) {
        StringBuilder sb = new StringBuilder();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty() && !segment.equals(".")) {
                sb.append('/').append(segment);
            }
        }
        return sb.append('/').toString();
    }

    private HttpResponse regularFile(HttpRequest request, ServedPath file) throws IOException {
        String type = MimeTypes.forFileName(file.name());
        String accept = request.headers().first("Accept-Encoding");
        if (serving.precompressed() && accept != null) {
            List<String> dir = file.names().isEmpty() ? List.of() : file.names().subList(0, file.names().size() - 1);
            for (ContentCoding coding : ContentCoding.values()) {
                if (!coding.acceptedBy(accept)) {
                    continue;
                }
                ServedPath sibling = sibling(dir, file.name() + coding.suffix);
                if (sibling != null) {
                    try (sibling) {
                        return representation(request, sibling, type).header("Content-Encoding", coding.token)
                                .header("Vary", "Accept-Encoding");
                    }
                }
            }
        }
        return representation(request, file, type);
    }

    /** The regular file {@code name} in {@code dir} (opened as a request would be), or null. */
    private ServedPath sibling(List<String> dir, String name) throws IOException {
        try {
            ServedPath p = paths.open(dir, name, TreeWalker.Mode.OPEN);
            if (!p.isDirectory()) {
                return p;
            }
            p.close();
        } catch (HttpException e) {
            // none, or one that may not be served
        }
        return null;
    }

    /** A response with {@code file}'s content as a representation of type {@code type}: conditions, range. */
    private HttpResponse representation(HttpRequest request, ServedPath file, String type) throws IOException {
        long size = file.fileSize();
        Instant modified = file.attributes().lastModifiedTime().toInstant().truncatedTo(ChronoUnit.SECONDS);
        String lastModified = HttpDates.format(modified);
        String etag = EntityTags.of(modified.getEpochSecond(), size);
        if (preconditionFailed(request, modified, etag)) {
            return validators(HttpResponse.error(412, "the file has changed: it no longer matches the request's "
                    + "If-Match or If-Unmodified-Since; fetch it again"), lastModified, etag);
        }
        if (notModified(request, modified, etag)) {
            return validators(HttpResponse.empty(304), lastModified, etag);
        }
        List<ByteRange> ranges = ByteRange.parseAll(request.headers().first("Range"), size);
        String ifRange = request.headers().first("If-Range");
        if (ranges != null && ifRange != null && !ifRange.strip().equals(lastModified)
                && !ifRange.strip().equals(etag)) {
            ranges = null; // If-Range compares strongly: a weak tag never matches
        }
        HttpResponse r;
        if (ranges != null && ranges.isEmpty()) {
            r = HttpResponse.error(416, "the range is outside the file's " + size + " bytes")
                    .header("Content-Range", "bytes */" + size);
        } else if (ranges != null && ranges.size() == 1) {
            ByteRange range = ranges.getFirst();
            r = HttpResponse.file(206, type, new HttpResponse.FileRegion(file.takeFile(), file.name(), range.first(),
                    range.length())).header("Content-Range", range.contentRange(size));
        } else if (ranges != null) {
            r = byteranges(file, type, size, ranges);
        } else {
            r = HttpResponse.file(200, type, new HttpResponse.FileRegion(file.takeFile(), file.name(), 0, size));
        }
        return validators(r, lastModified, etag).header("Accept-Ranges", "bytes");
    }

    /**
     * A 206 with several ranges of the file as {@code multipart/byteranges} (RFC 9110 14.6), as nginx answers them:
     * in the order asked, not merged.
     */
    private static HttpResponse byteranges(ServedPath file, String type, long size, List<ByteRange> ranges)
            throws IOException {
        String boundary = String.format("%016x", ThreadLocalRandom.current().nextLong());
        FileChannel channel = file.takeFile();
        List<HttpResponse.Part> parts = new ArrayList<>(ranges.size());
        for (ByteRange range : ranges) {
            String head = "\r\n--" + boundary + "\r\nContent-Type: " + type + "\r\nContent-Range: "
                    + range.contentRange(size) + "\r\n\r\n";
            parts.add(new HttpResponse.Part(head.getBytes(StandardCharsets.ISO_8859_1),
                    new HttpResponse.FileRegion(channel, file.name(), range.first(), range.length())));
        }
        byte[] end = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        return HttpResponse.multipart(206, "multipart/byteranges; boundary=" + boundary,
                new HttpResponse.Multipart(parts, end));
    }

    /**
     * RFC 9110 13.2.2 steps 1 and 2, evaluated before the others: If-Match when present (compared strongly), else
     * If-Unmodified-Since; a failed one is a 412, as nginx answers.
     */
    private static boolean preconditionFailed(HttpRequest request, Instant modified, String etag) {
        String ifMatch = request.headers().first("If-Match");
        if (ifMatch != null) {
            return !EntityTags.matchHits(ifMatch, etag);
        }
        Instant since = HttpDates.parse(request.headers().first("If-Unmodified-Since"));
        return since != null && modified.isAfter(since);
    }

    /**
     * RFC 9110 13.2.2: If-None-Match when present (a 304 when it matches), else If-Modified-Since; nginx answers
     * both for GET and HEAD alike.
     */
    private static boolean notModified(HttpRequest request, Instant modified, String etag) {
        String ifNoneMatch = request.headers().first("If-None-Match");
        if (ifNoneMatch != null) {
            return EntityTags.noneMatchHits(ifNoneMatch, etag);
        }
        Instant since = HttpDates.parse(request.headers().first("If-Modified-Since"));
        return since != null && !modified.isAfter(since);
    }

    private HttpResponse validators(HttpResponse r, String lastModified, String etag) {
        r.header("Last-Modified", lastModified).header("ETag", etag);
        if (serving.cacheControl() != null) {
            r.header("Cache-Control", serving.cacheControl());
        }
        return r;
    }
}
