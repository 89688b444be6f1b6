package io.ktls4j.example;

import io.ktls4j.Direction;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;

/**
 * The README's server: {@code Server PORT} answers every HTTPS request with "hello over kTLS", with chain.pem and
 * key.pem from the working directory.
 */
public final class Server {
    private Server() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        // README:server begin
        KtlsContext tls = KtlsContext.forServer(Path.of("chain.pem"), Path.of("key.pem")).build();
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(port))) {
            System.out.println("listening on " + listener.getLocalAddress());
            while (true) {
                try (KtlsConnection c = tls.accept(listener.accept())) {   // handshake, then keys go to the record layer
                    System.out.println(c.version() + " " + c.cipherSuite() + " via " + c.backend(Direction.TX));
                    ByteBuffer request = ByteBuffer.allocate(8192);        // read the request head, then answer
                    while (!new String(request.array(), 0, request.position()).contains("\r\n\r\n")
                            && c.read(request) > 0) {
                    }
                    String body = "hello over kTLS\n";
                    c.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                            + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes()));
                } catch (IOException e) {
                    System.err.println("TLS failed: " + e.getMessage());   // typed: TlsAlertException, ...
                }
            }
        }
        // README:server end
    }
}
