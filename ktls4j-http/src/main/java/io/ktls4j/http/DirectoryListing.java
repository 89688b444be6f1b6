package io.ktls4j.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The HTML page listing a directory: every name escaped for HTML and percent-encoded in its link. The entries are
 * read through the directory handle the request opened. A symbolic link is listed with the size and date of its
 * target only when the target is under the root (resolved as a request would be); a link that leads outside, dangles
 * or cannot be followed is listed by name alone, with no size or date (requesting it answers 403 or 404). Hidden
 * names (starting with '.') are left out unless they are served.
 */
final class DirectoryListing {
    private DirectoryListing() {
    }

    /** @param size -1 and {@code modified} "" when not shown */
    record Entry(String name, boolean directory, long size, String modified) {
    }

    static byte[] page(String decodedPath, ServedPath dir, SafePaths paths) throws IOException {
        List<Entry> entries = new ArrayList<>();
        SecureDirectoryStream<Path> handle = dir.directory();
        for (Path p : handle) {
            String name = p.getFileName().toString();
            if (paths.servesHiddenFiles() || !SafePaths.isHidden(name)) {
                entries.add(entry(handle, name, dir, paths));
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
                    .append(e.directory() ? "-" : e.size() < 0 ? "" : Long.toString(e.size())).append("</td><td>")
                    .append(e.modified()).append("</td></tr>\n");
        }
        sb.append("</table>\n</body></html>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Entry entry(SecureDirectoryStream<Path> handle, String name, ServedPath dir, SafePaths paths) {
        try {
            BasicFileAttributes a = handle.getFileAttributeView(Path.of(name), BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (a.isSymbolicLink()) {
                try (ServedPath target = paths.open(dir.names(), name, TreeWalker.Mode.STAT)) {
                    a = target.attributes();
                }
            }
            return new Entry(name, a.isDirectory(), a.size(), HttpDates.format(a.lastModifiedTime().toInstant()));
        } catch (IOException | HttpException | RuntimeException e) {
            // a link outside the root or dangling, or a file that vanished: the name only
            return new Entry(name, false, -1, "");
        }
    }
}
