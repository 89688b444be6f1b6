package io.ktls4j.example;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** The README's client: {@code Client HOST PORT} fetches / over TLS, trusting ca.pem in the working directory. */
public final class Client {
    private Client() {
    }

    public static void main(String[] args) throws IOException {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        // README:client begin
        KtlsContext tls = KtlsContext.forClient()              // TLS 1.3 + 1.2, hostname verification and SNI on
                .trustManager(Path.of("ca.pem"))               // without this line: the system trust store
                .applicationProtocols("http/1.1")
                .build();                                      // immutable: build once, share
        try (KtlsConnection c = tls.connect(host, port)) {
            c.write(ByteBuffer.wrap(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes()));
            ByteBuffer buf = ByteBuffer.allocate(16384);
            while (c.read(buf.clear()) >= 0) {                 // -1 after the server's close_notify
                System.out.print(new String(buf.array(), 0, buf.position()));
            }
        }                                                      // close() sends close_notify
        // README:client end
    }
}
