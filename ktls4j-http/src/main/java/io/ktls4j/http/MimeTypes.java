package io.ktls4j.http;

import java.util.Locale;
import java.util.Map;

/** Content-Type by file extension, for the files a static server usually serves. */
public final class MimeTypes {
    private static final String TEXT = "; charset=utf-8";
    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("html", "text/html" + TEXT), Map.entry("htm", "text/html" + TEXT),
            Map.entry("css", "text/css" + TEXT), Map.entry("js", "text/javascript" + TEXT),
            Map.entry("mjs", "text/javascript" + TEXT), Map.entry("txt", "text/plain" + TEXT),
            Map.entry("md", "text/markdown" + TEXT), Map.entry("csv", "text/csv" + TEXT),
            Map.entry("xml", "application/xml"), Map.entry("json", "application/json"),
            Map.entry("pdf", "application/pdf"), Map.entry("wasm", "application/wasm"),
            Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"),
            Map.entry("tar", "application/x-tar"), Map.entry("xz", "application/x-xz"),
            Map.entry("zst", "application/zstd"), Map.entry("jar", "application/java-archive"),
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("svg", "image/svg+xml"), Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/vnd.microsoft.icon"), Map.entry("avif", "image/avif"),
            Map.entry("mp4", "video/mp4"), Map.entry("webm", "video/webm"), Map.entry("mp3", "audio/mpeg"),
            Map.entry("ogg", "audio/ogg"), Map.entry("wav", "audio/wav"), Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"), Map.entry("pem", "application/x-pem-file"),
            Map.entry("iso", "application/x-iso9660-image"));

    /** The type for a content of unknown type (RFC 9110 8.3). */
    public static final String DEFAULT = "application/octet-stream";

    private MimeTypes() {
    }

    /** The Content-Type for a file name, {@link #DEFAULT} for an unknown or missing extension. */
    public static String forFileName(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || dot == name.length() - 1) {
            return DEFAULT;
        }
        return BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }
}
