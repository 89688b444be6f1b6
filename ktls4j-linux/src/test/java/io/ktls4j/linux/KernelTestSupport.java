package io.ktls4j.linux;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Loopback pairs, keys and raw reads for the kernel backend's own tests. */
final class KernelTestSupport implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    /** A connected loopback pair: {@code [0]} connected, {@code [1]} accepted. */
    SocketChannel[] pair() throws IOException {
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel c = later(SocketChannel.open(l.getLocalAddress()));
            SocketChannel s = later(l.accept());
            return new SocketChannel[] {c, s};
        }
    }

    <T extends AutoCloseable> T later(T t) {
        open.add(t);
        return t;
    }

    /** Keys with every byte of key, iv and salt set to {@code fill}, and {@code rec_seq = seq}. */
    static CryptoInfo keys(TlsVersion v, CipherType c, int fill, long seq) throws KtlsException {
        byte[] key = new byte[c.keySize()];
        byte[] iv = new byte[c.ivSize()];
        byte[] salt = new byte[c.saltSize()];
        Arrays.fill(key, (byte) fill);
        Arrays.fill(iv, (byte) (fill + 1));
        Arrays.fill(salt, (byte) (fill + 2));
        return CryptoInfo.of(v, c, key, iv, salt, CryptoInfo.seqBytes(seq));
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Reads a plain channel until the peer's end of stream: the raw bytes a keyless peer sees. */
    static byte[] readToEof(SocketChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (ch.read(buf) >= 0) {
            buf.flip();
            out.write(buf.array(), 0, buf.limit());
            buf.clear();
        }
        return out.toByteArray();
    }

    /** Reads exactly {@code n} plaintext bytes from a TLS socket (blocking). */
    static byte[] readFully(KtlsSocket s, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (s.read(b) < 0) {
                throw new IOException("end of stream after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.array();
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }
}
