package io.ktls4j.linux.internal;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Finds the file descriptor behind a {@link SocketChannel} without {@code --add-opens}.
 *
 * <p>The JDK has no supported API that exposes a channel's fd ({@code sun.nio.ch.SelChImpl#getFDVal} is internal and
 * needs {@code --add-opens java.base/sun.nio.ch}). Instead this class lists {@code /proc/self/fd}, keeps the entries
 * whose link reads {@code socket:[inode]}, and asks the kernel for each one's {@code getsockname} and
 * {@code getpeername}: the fd whose local and remote addresses equal the channel's
 * {@link SocketChannel#getLocalAddress()} and {@link SocketChannel#getRemoteAddress()} is the channel's. A TCP
 * 4-tuple names one connection, so a connected channel has exactly one match (several fds for one socket inode, from
 * {@code dup}, are the same socket). An unconnected channel is matched by its bound local address alone and must be
 * unique. The result is cached per channel and re-verified on every lookup, so a reused fd number is never trusted.
 *
 * <p>Limits: the scan costs two syscalls per open socket of the process, once per channel; it needs
 * {@code /proc} mounted; an unbound unconnected channel has no address to match and is refused.
 */
public final class SocketFd {
    private static final Map<NetworkChannel, Integer> CACHE = new WeakHashMap<>();
    private static final Path PROC_FD = Path.of("/proc/self/fd");
    private static final int SOCKADDR_STORAGE = 128;

    private SocketFd() {
    }

    /** An address as the kernel reports it for one fd, with its family. */
    public record Endpoint(int family, InetSocketAddress address) {
    }

    /**
     * The fd of {@code channel}.
     *
     * @throws KtlsException ENOTCONN for an unbound, unconnected channel; EINVAL when no unique fd matches
     */
    public static int of(NetworkChannel channel) throws IOException {
        SocketAddress localAddr = channel.getLocalAddress();
        if (localAddr instanceof java.net.UnixDomainSocketAddress unix) {
            return unixSocket(unix);
        }
        InetSocketAddress local = (InetSocketAddress) localAddr;
        SocketAddress remoteAddr = channel instanceof SocketChannel sc ? sc.getRemoteAddress() : null;
        InetSocketAddress remote = (InetSocketAddress) remoteAddr;
        if (local == null) {
            throw new KtlsException(Errno.ENOTCONN, "the channel is neither bound nor connected, so it has no"
                    + " socket address to find its file descriptor by");
        }
        synchronized (CACHE) {
            Integer cached = CACHE.get(channel);
            if (cached != null && matches(cached, local, remote)) {
                return cached;
            }
        }
        int fd = scan(local, remote);
        synchronized (CACHE) {
            CACHE.put(channel, fd);
        }
        return fd;
    }

    /** An {@code AF_UNIX} channel, found by the path it is bound to (which names one socket). */
    private static int unixSocket(java.net.UnixDomainSocketAddress local) throws IOException {
        String path = local.getPath().toString();
        if (path.isEmpty()) {
            throw new KtlsException(Errno.ENOTCONN, "the AF_UNIX channel is not bound to a path, so it has no"
                    + " address to find its file descriptor by");
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC_FD)) {
            for (Path p : dir) {
                try {
                    int fd = Integer.parseInt(p.getFileName().toString());
                    if (Files.readSymbolicLink(p).toString().startsWith("socket:[") && path.equals(unixPath(fd))) {
                        return fd;
                    }
                } catch (NumberFormatException | IOException gone) {
                    // closed meanwhile, or not an fd entry
                }
            }
        }
        throw new KtlsException(Errno.EINVAL, "no socket in /proc/self/fd is bound to " + path);
    }

    /** {@code getsockname} of an {@code AF_UNIX} socket: its path, or null. */
    private static String unixPath(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SOCKADDR_STORAGE, 8);
            int len = Native.getsockname(arena, fd, sa);
            if (len <= 2 || Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT, 0)) != UnixSockets.AF_UNIX) {
                return null;
            }
            return sa.asSlice(2, len - 2).getString(0);
        }
    }

    private static int scan(InetSocketAddress local, InetSocketAddress remote) throws IOException {
        List<int[]> found = new ArrayList<>(); // {fd, inode}
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC_FD)) {
            for (Path p : dir) {
                int fd;
                String link;
                try {
                    fd = Integer.parseInt(p.getFileName().toString());
                    link = Files.readSymbolicLink(p).toString();
                } catch (NumberFormatException | IOException gone) {
                    continue; // closed meanwhile, or not an fd entry
                }
                if (link.startsWith("socket:[") && matches(fd, local, remote)) {
                    found.add(new int[] {fd, Integer.parseUnsignedInt(link.substring(8, link.length() - 1))});
                }
            }
        }
        long inodes = found.stream().mapToInt(f -> f[1]).distinct().count();
        if (inodes != 1) {
            throw new KtlsException(Errno.EINVAL, "cannot find the channel's file descriptor: " + found.size()
                    + " sockets in /proc/self/fd have local " + local + (remote == null ? "" : " and remote " + remote)
                    + (inodes == 0 ? "" : " (ambiguous; bind unconnected channels to a unique address)"));
        }
        return found.stream().mapToInt(f -> f[0]).min().orElseThrow();
    }

    private static boolean matches(int fd, InetSocketAddress local, InetSocketAddress remote) {
        Endpoint l = endpoint(fd, false);
        if (l == null || !same(l.address(), local)) {
            return false;
        }
        Endpoint r = endpoint(fd, true);
        return remote == null ? r == null : r != null && same(r.address(), remote);
    }

    private static boolean same(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() == b.getPort() && Arrays.equals(a.getAddress().getAddress(), b.getAddress().getAddress());
    }

    /**
     * {@code getsockname} ({@code peer == false}) or {@code getpeername} of an fd, or {@code null} when the call fails
     * (not a socket, not connected) or the address is not IPv4/IPv6. IPv4-mapped IPv6 addresses come back as IPv4,
     * as the JDK reports them; {@link Endpoint#family()} keeps the socket's real family.
     */
    public static Endpoint endpoint(int fd, boolean peer) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SOCKADDR_STORAGE, 8);
            int len = peer ? Native.getpeername(arena, fd, sa) : Native.getsockname(arena, fd, sa);
            if (len < 0) {
                return null;
            }
            int family = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT, 0));
            int port = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
            byte[] addr;
            if (family == Native.AF_INET && len >= 8) {
                addr = sa.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
            } else if (family == Native.AF_INET6 && len >= 24) {
                addr = sa.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
            } else {
                return null;
            }
            return new Endpoint(family, new InetSocketAddress(InetAddress.getByAddress(addr), port));
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
