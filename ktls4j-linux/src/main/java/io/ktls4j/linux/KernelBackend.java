package io.ktls4j.linux;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsBackend;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.SocketFd;
import io.ktls4j.linux.internal.Sockopt;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;

/**
 * The Linux kernel record layer ("kernel"): {@link #attach} is {@code setsockopt(IPPROTO_TCP, TCP_ULP, "tls")} on
 * the channel's file descriptor (found as {@link SocketFd} describes), and the returned {@link KernelKtlsSocket}
 * makes every later call on that fd. Errors are the kernel's own: ENOTCONN for an unconnected or listening socket,
 * EEXIST for a second ULP, and {@link io.ktls4j.KernelFeatureException} (ENOENT) when the kernel has no tls module.
 * Use {@link Ktls#attach} for per-direction fallback to the software backend.
 */
public final class KernelBackend implements TlsBackend {

    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public KernelKtlsSocket attach(SocketChannel channel) throws IOException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        return new KernelKtlsSocket(channel, attachUlp(channel));
    }

    /**
     * Attaches the tls ULP to any TCP channel (tests use it on listening sockets) and returns its fd.
     *
     * @throws KtlsException as {@link #attach}; EOPNOTSUPP when this platform cannot run the kernel backend
     */
    static int attachUlp(NetworkChannel channel) throws IOException {
        if (!Native.isUsable()) {
            throw new KtlsException(Errno.EOPNOTSUPP, Native.unavailabilityCause());
        }
        int fd = SocketFd.of(channel);
        int r = Sockopt.attachUlp(fd, "tls");
        if (r < 0) {
            throw Errors.attach(-r);
        }
        return fd;
    }

    /** A {@link KernelPipe} ({@code pipe2(2)}), which both the kernel and the software backend splice with. */
    @Override
    public KernelPipe openPipe() throws IOException {
        return KernelPipe.open();
    }

    @Override
    public boolean isAvailable() {
        return KernelTls.isAvailable();
    }

    @Override
    public String unavailabilityCause() {
        return KernelTls.isAvailable() ? null
                : "no kTLS on Linux " + KernelTls.kernelRelease() + ": " + KernelTls.unavailabilityCause().getMessage();
    }

    /** For callers that hold a generic {@link KtlsSocket}: true when it is a kernel socket. */
    public static boolean isKernel(KtlsSocket socket) {
        return socket instanceof KernelKtlsSocket;
    }
}
