package io.ktls4j;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/** A record-layer implementation: attaches the TLS ULP to connected sockets. */
public interface TlsBackend {

    /** A short name for logs and test reports ("software", "kernel"). */
    String name();

    /**
     * {@code setsockopt(IPPROTO_TCP, TCP_ULP, "tls")}: attaches the record layer to a connected socket. Nothing is
     * encrypted until keys are installed.
     *
     * @throws KtlsException ENOTCONN for an unconnected or listening socket, EEXIST when a ULP is already attached
     *     (kernel), ENOENT when the kernel has no tls module
     */
    KtlsSocket attach(SocketChannel channel) throws IOException;

    /**
     * {@code pipe2(2)}: a pipe this backend's sockets can {@code splice} with ({@link KtlsSocket#spliceFrom},
     * {@link KtlsSocket#spliceTo}). The caller closes it.
     *
     * @throws KtlsException EOPNOTSUPP when this backend has no pipes
     */
    default KtlsPipe openPipe() throws IOException {
        throw new KtlsException(Errno.EOPNOTSUPP, name() + " backend: opens no pipes; use the software or kernel"
                + " backend's openPipe()");
    }

    /**
     * Whether {@link #attach} can work on this machine at all (the kernel backend: the running kernel has kTLS), as
     * Netty's {@code Epoll.isAvailable()} says. Probed once; never throws.
     */
    default boolean isAvailable() {
        return true;
    }

    /** Why {@link #isAvailable()} is false, in one line naming what is missing; null when it is true. */
    default String unavailabilityCause() {
        return null;
    }
}
