package io.ktls4j.sw;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsBackend;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The pure-Java record layer: works on every JVM and kernel, writes the same records as the Linux kernel, and is the
 * fallback for a direction the kernel cannot take (as tls-offload.rst falls back from a NIC to the host).
 */
public final class SoftwareBackend implements TlsBackend {
    /** Channels with the software ULP attached: a second attach is EEXIST, as a second TCP_ULP. */
    private static final Map<SocketChannel, Boolean> ATTACHED = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public String name() {
        return "software";
    }

    @Override
    public KtlsSocket attach(SocketChannel channel) throws IOException {
        if (!channel.isOpen() || !channel.isConnected()) {
            throw new KtlsException(Errno.ENOTCONN, "the TLS ULP needs a connected TCP socket");
        }
        if (ATTACHED.putIfAbsent(channel, Boolean.TRUE) != null) {
            throw new KtlsException(Errno.EEXIST, "the TLS ULP is already attached to this socket");
        }
        return new SoftwareKtlsSocket(channel);
    }

    /** A {@link SoftwarePipe}: a pipe in the JVM, which any backend's socket in software can splice with. */
    @Override
    public KtlsPipe openPipe() {
        return new SoftwarePipe();
    }

    static void detach(SocketChannel channel) {
        ATTACHED.remove(channel);
    }
}
