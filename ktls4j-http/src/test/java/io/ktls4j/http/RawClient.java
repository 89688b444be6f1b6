package io.ktls4j.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** A raw TCP client for requests no well-behaved client would send; reads responses with its own framing. */
final class RawClient implements AutoCloseable {
    record Response(ResponseHead head, byte[] body) {
        int status() {
            return head.status();
        }

        String header(String name) {
            return head.headers().first(name);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final SocketChannel socket;
    private final HttpClientConnection http;

    RawClient(int port) throws IOException {
        socket = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        http = new HttpClientConnection(socket);
    }

    /** A client on the loopback address {@code from} (127.0.0.2, ...: another client address for the server). */
    RawClient(String from, int port) throws IOException {
        socket = SocketChannel.open().bind(new InetSocketAddress(from, 0));
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port));
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        http = new HttpClientConnection(socket);
    }

    RawClient send(String raw) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            socket.write(b);
        }
        return this;
    }

    Response read(boolean headRequest) throws IOException {
        ResponseHead head = http.readHead();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        http.readBody(head, headRequest, Channels.newChannel(body), null);
        return new Response(head, body.toByteArray());
    }

    Response read() throws IOException {
        return read(false);
    }

    /** One request and its response, on a fresh connection. */
    static Response exchange(int port, String raw) throws IOException {
        try (RawClient c = new RawClient(port)) {
            return c.send(raw).read(raw.startsWith("HEAD "));
        }
    }

    static Response get(int port, String target) throws IOException {
        return exchange(port, "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }

    /** Reads until the server closes; returns -1 when it closed, or the count of bytes it sent meanwhile. */
    int drainToEof() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        int total = 0;
        int n;
        while ((n = socket.read(b.clear())) >= 0) {
            total += n;
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
