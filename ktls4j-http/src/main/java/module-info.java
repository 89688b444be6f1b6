/**
 * An HTTP/1.1 static file server and client connection over any {@code Transport}: plain TCP or a TLS session the
 * application supplies. It needs ktls4j's core only for sending file bodies through {@code KtlsChannel}
 * ({@code sendfile} on a kernel-TLS socket).
 */
module io.ktls4j.http {
    requires transitive io.ktls4j.core;

    exports io.ktls4j.http;
}
