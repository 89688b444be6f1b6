package io.ktls4j.linux.fd;

import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.SocketFd;
import io.ktls4j.linux.internal.Sockopt;
import io.ktls4j.linux.internal.UnixSockets;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * What a socket descriptor is, found with {@code getsockopt} ({@code SO_DOMAIN}, {@code SO_TYPE}, {@code SO_PROTOCOL},
 * {@code SO_ACCEPTCONN}, {@code TCP_ULP}) and {@code getpeername} only: asking changes nothing on the socket.
 *
 * @param domain {@code AF_INET} (2), {@code AF_INET6} (10), {@code AF_UNIX} (1) ...
 * @param type {@code SOCK_STREAM} (1), {@code SOCK_DGRAM} (2) ...
 * @param protocol {@code IPPROTO_TCP} (6) ...
 * @param listening {@code SO_ACCEPTCONN}: the socket listens for connections
 * @param peer the connected peer's IPv4/IPv6 address, or null (not connected, or not an IP socket)
 * @param ulp the name of the TCP upper-layer protocol attached ("tls"), "" for none, null when the socket has none
 *     to ask (not TCP)
 */
public record SocketInfo(int domain, int type, int protocol, boolean listening, InetSocketAddress peer, String ulp) {

    /**
     * Asks the kernel about {@code fd}.
     *
     * @throws ErrnoException {@code ENOTSOCK} ({@link io.ktls4j.linux.LinuxErrno#ENOTSOCK}) for a descriptor that is no
     *     socket (a file, pipe or device), {@code EBADF} for one that is not open
     */
    public static SocketInfo of(int fd) throws IOException {
        int type = intOption(fd, UnixSockets.SO_TYPE, "SO_TYPE");
        int domain = intOption(fd, UnixSockets.SO_DOMAIN, "SO_DOMAIN");
        int protocol = intOption(fd, UnixSockets.SO_PROTOCOL, "SO_PROTOCOL");
        boolean listening = intOption(fd, UnixSockets.SO_ACCEPTCONN, "SO_ACCEPTCONN") == 1;
        SocketFd.Endpoint peer = SocketFd.endpoint(fd, true);
        return new SocketInfo(domain, type, protocol, listening, peer == null ? null : peer.address(),
                UnixSockets.ulpName(fd));
    }

    /**
     * {@code SO_COOKIE}: the socket's 64-bit identity, which the kernel never gives another socket while it runs (so
     * two descriptors are the same socket exactly when their cookies are equal).
     */
    public static long cookie(int fd) throws IOException {
        Sockopt.U64 r = Sockopt.getU64(fd, UnixSockets.SOL_SOCKET, UnixSockets.SO_COOKIE);
        if (r.errno() != 0) {
            throw new ErrnoException(r.errno(), "getsockopt(SO_COOKIE)");
        }
        return r.value();
    }

    /** An IPv4 or IPv6 TCP stream socket. */
    public boolean isTcp() {
        return (domain == Native.AF_INET || domain == Native.AF_INET6) && type == UnixSockets.SOCK_STREAM
                && protocol == UnixSockets.IPPROTO_TCP;
    }

    /** Connected to an IP peer ({@code getpeername} succeeds). */
    public boolean isConnected() {
        return peer != null;
    }

    private static int intOption(int fd, int name, String option) throws IOException {
        long r = UnixSockets.intOption(fd, UnixSockets.SOL_SOCKET, name);
        if (r < 0) {
            throw new ErrnoException((int) -r, "getsockopt(" + option + ")");
        }
        return (int) r;
    }
}
