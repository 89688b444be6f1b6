package io.ktls4j.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Serves the files under one directory: GET and HEAD, a single {@code Range}, {@code If-Modified-Since} and
 * {@code If-Range} by date, {@code index.html} or a listing for directories. Paths are mapped by {@link SafePaths}.
 */
public final class StaticFileHandler implements Handler {
    private final SafePaths paths;

    public StaticFileHandler(Path root) throws IOException {
        this.paths = new SafePaths(root);
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
        Path file = paths.resolve(request.path());
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        if (attrs.isDirectory()) {
            return directory(request, file);
        }
        if (!attrs.isRegularFile()) {
            throw new HttpException(403, "not a regular file");
        }
        return regularFile(request, file, attrs);
    }

    private HttpResponse directory(HttpRequest request, Path dir) throws IOException, HttpException {
        if (!request.path().endsWith("/")) {
            String location = request.path() + "/" + (request.query() == null ? "" : "?" + request.query());
            return HttpResponse.error(301, "moved to " + location).header("Location", location);
        }
        Path index = dir.resolve("index.html");
        if (Files.isRegularFile(index)) {
            Path real = index.toRealPath();
            if (real.startsWith(paths.root())) {
                return regularFile(request, real, Files.readAttributes(real, BasicFileAttributes.class));
            }
        }
        StringBuilder decoded = new StringBuilder("/");
        for (String segment : request.path().split("/")) {
            if (!segment.isEmpty()) {
                decoded.append(SafePaths.decode(segment)).append('/');
            }
        }
        return HttpResponse.bytes(200, "text/html; charset=utf-8", DirectoryListing.page(decoded.toString(), dir));
    }

    private static HttpResponse regularFile(HttpRequest request, Path file, BasicFileAttributes attrs) {
        long size = attrs.size();
        Instant modified = attrs.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.SECONDS);
        String lastModified = HttpDates.format(modified);
        String type = MimeTypes.forFileName(file.getFileName().toString());
        Instant since = HttpDates.parse(request.headers().first("If-Modified-Since"));
        if (since != null && !modified.isAfter(since)) {
            return HttpResponse.empty(304).header("Last-Modified", lastModified);
        }
        ByteRange range = ByteRange.parse(request.headers().first("Range"), size);
        String ifRange = request.headers().first("If-Range");
        if (range != null && ifRange != null && !ifRange.strip().equals(lastModified)) {
            range = null;
        }
        HttpResponse r;
        if (range == ByteRange.UNSATISFIABLE) {
            r = HttpResponse.error(416, "the range is outside the file's " + size + " bytes")
                    .header("Content-Range", "bytes */" + size);
        } else if (range != null) {
            r = HttpResponse.file(206, type, new HttpResponse.FileRegion(file, range.first(), range.length()))
                    .header("Content-Range", range.contentRange(size));
        } else {
            r = HttpResponse.file(200, type, new HttpResponse.FileRegion(file, 0, size));
        }
        return r.header("Last-Modified", lastModified).header("Accept-Ranges", "bytes");
    }
}
