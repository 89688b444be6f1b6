package io.ktls4j.sw;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/** A connected loopback pair with the software ULP on both ends. */
final class SoftwarePair implements AutoCloseable {
    final SocketChannel fdChannel;
    final SocketChannel cfdChannel;
    final KtlsSocket fd;
    final KtlsSocket cfd;

    SoftwarePair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            fdChannel = SocketChannel.open(server.getLocalAddress());
            cfdChannel = server.accept();
        }
        SoftwareBackend backend = new SoftwareBackend();
        fd = backend.attach(fdChannel);
        cfd = backend.attach(cfdChannel);
    }

    /** The selftests' tls_crypto_info_init: every byte of key, iv, salt and rec_seq set to the generation. */
    static CryptoInfo generation(TlsVersion v, CipherType c, int gen) throws IOException {
        byte g = (byte) gen;
        return CryptoInfo.of(v, c, fill(c.keySize(), g), fill(c.ivSize(), g), fill(c.saltSize(), g), fill(8, g));
    }

    private static byte[] fill(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }

    @Override
    public void close() throws IOException {
        fd.close();
        cfd.close();
    }
}
