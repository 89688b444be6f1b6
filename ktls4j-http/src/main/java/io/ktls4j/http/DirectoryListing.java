package io.ktls4j.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The HTML page listing a directory: every name escaped for HTML and percent-encoded in its link. */
final class DirectoryListing {
    private DirectoryListing() {
    }

    record Entry(String name, boolean directory, long size, String modified) {
    }

    static byte[] page(String decodedPath, Path dir) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                entries.add(entry(p));
            }
        }
        entries.sort(Comparator.comparing((Entry e) -> !e.directory()).thenComparing(Entry::name));
        String title = "Index of " + Html.escape(decodedPath);
        StringBuilder sb = new StringBuilder(256 + entries.size() * 128);
        sb.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(title)
                .append("</title></head>\n<body><h1>").append(title).append("</h1>\n<table>\n");
        sb.append("<tr><th>Name</th><th>Size</th><th>Last modified</th></tr>\n");
        if (!decodedPath.equals("/")) {
            sb.append("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
        }
        for (Entry e : entries) {
            String suffix = e.directory() ? "/" : "";
            sb.append("<tr><td><a href=\"").append(Html.escape(SafePaths.encodeSegment(e.name()))).append(suffix)
                    .append("\">").append(Html.escape(e.name())).append(suffix).append("</a></td><td>")
                    .append(e.directory() ? "-" : Long.toString(e.size())).append("</td><td>")
                    .append(e.modified()).append("</td></tr>\n");
        }
        sb.append("</table>\n</body></html>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Entry entry(Path p) {
        String name = p.getFileName().toString();
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new Entry(name, a.isDirectory(), a.size(), HttpDates.format(a.lastModifiedTime().toInstant()));
        } catch (IOException e) {
            // a dangling symlink or a file that vanished: list the name, without details
            return new Entry(name, false, 0, "");
        }
    }
}
