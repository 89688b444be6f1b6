package io.ktls4j.linux.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.ktls4j.linux.LinuxErrno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code AF_UNIX} stream sockets with descriptor passing, for the handshake agent: {@code socket}, {@code bind},
 * {@code listen}, {@code accept4}, {@code connect}, {@code socketpair}, {@code sendmsg}/{@code recvmsg} with
 * {@code SCM_RIGHTS}, {@code SO_PEERCRED} and {@code SO_PEERGROUPS}. Every descriptor is created with
 * {@code O_CLOEXEC} (received ones with {@code MSG_CMSG_CLOEXEC}), so none leaks into child processes.
 *
 * <p>Results follow {@link Native}: {@code >= 0} on success or {@code -errno};
 * {@link io.ktls4j.linux.LinuxErrno#name(int)} names the errno. Nothing here blocks beyond what the socket's own mode says: callers wait with {@code poll} themselves.
 */
public final class UnixSockets {
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int SO_TYPE = 3;
    public static final int SO_ERROR = 4;
    public static final int SO_PEERCRED = 17;
    public static final int SO_ACCEPTCONN = 30;
    public static final int SO_PROTOCOL = 38;
    public static final int SO_DOMAIN = 39;
    public static final int SO_COOKIE = 57;
    public static final int SO_PEERGROUPS = 59;
    public static final int IPPROTO_TCP = 6;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** {@code sizeof(sun_path)}: a path needs one byte less for the terminating NUL. */
    public static final int SUN_PATH_MAX = 108;
    private static final int TCP_ULP_NAME_MAX = 16;

    private UnixSockets() {
    }

    /** What one {@code recvmsg} returned: the byte count (0 at end of stream) or -errno, the descriptors, msg_flags. */
    public record Received(long bytes, int[] fds, int msgFlags) {
        public boolean controlTruncated() {
            return (msgFlags & Native.MSG_CTRUNC) != 0;
        }
    }

    /** {@code SO_PEERCRED}: the process at the other end as it was when it connected. */
    public record PeerCredentials(int pid, int uid, int gid) {
    }

    /** {@code socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)}: a new fd or -errno. */
    public static int socket() {
        try (Arena arena = Arena.ofConfined()) {
            return Native.socket(arena, AF_UNIX, SOCK_STREAM | Native.SOCK_CLOEXEC, 0);
        }
    }

    /** {@code socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)}: two connected fds, or {@code {-errno}}. */
    public static int[] socketpair() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sv = arena.allocate(JAVA_INT, 2);
            int r = Native.socketpair(arena, AF_UNIX, SOCK_STREAM | Native.SOCK_CLOEXEC, 0, sv);
            return r < 0 ? new int[] {r} : new int[] {sv.getAtIndex(JAVA_INT, 0), sv.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** {@code bind(fd, sockaddr_un{path})}: 0 or -errno (ENAMETOOLONG for a path of 108 bytes or more). */
    public static int bind(int fd, String path) {
        return withAddress(path, (arena, addr, len) -> Native.bind(arena, fd, addr, len));
    }

    /** {@code connect(fd, sockaddr_un{path})}: 0 or -errno (ECONNREFUSED when nothing listens there). */
    public static int connect(int fd, String path) {
        return withAddress(path, (arena, addr, len) -> Native.connect(arena, fd, addr, len));
    }

    /** {@code shutdown(fd, how)}: 0 or -errno. */
    public static int shutdown(int fd, int how) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.shutdown(arena, fd, how);
        }
    }

    /** {@code listen(fd, backlog)}: 0 or -errno. */
    public static int listen(int fd, int backlog) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.listen(arena, fd, backlog);
        }
    }

    /**
     * {@code accept4(fd, NULL, NULL, SOCK_CLOEXEC)}: the connected fd or -errno. Blocks in the kernel while the
     * listening socket is blocking; {@code shutdown(fd, SHUT_RDWR)} from another thread wakes it (EINVAL).
     */
    public static int accept(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.accept4(arena, fd, Native.SOCK_CLOEXEC);
        }
    }

    /**
     * {@code sendmsg} of {@code data[off, off+len)} with the descriptors {@code fds} as one {@code SCM_RIGHTS} control
     * message (none when {@code fds} is empty). {@code MSG_NOSIGNAL} is always added. Returns bytes sent or -errno.
     */
    public static long send(int fd, byte[] data, int off, int len, int[] fds, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, len));
            MemorySegment.copy(data, off, buf, JAVA_BYTE, 0, len);
            MemorySegment iov = arena.allocate(Native.IOVEC);
            Native.IOV_BASE.set(iov, 0L, buf);
            Native.IOV_LEN.set(iov, 0L, (long) len);
            MemorySegment msg = arena.allocate(Native.MSGHDR);
            Native.MSG_IOV.set(msg, 0L, iov);
            Native.MSG_IOVLEN.set(msg, 0L, 1L);
            if (fds.length > 0) {
                long dataLen = (long) fds.length * Integer.BYTES;
                MemorySegment control = arena.allocate(Native.cmsgSpace(dataLen), 8);
                Native.CMSG_LEN_FIELD.set(control, 0L, Native.cmsgLen(dataLen));
                Native.CMSG_LEVEL.set(control, 0L, SOL_SOCKET);
                Native.CMSG_TYPE.set(control, 0L, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.set(JAVA_INT, Native.cmsgDataOffset() + (long) i * Integer.BYTES, fds[i]);
                }
                Native.MSG_CONTROL.set(msg, 0L, control);
                Native.MSG_CONTROLLEN.set(msg, 0L, control.byteSize());
            }
            return Native.sendmsg(arena, fd, msg, flags | Native.MSG_NOSIGNAL);
        }
    }

    /**
     * {@code recvmsg} into {@code data[off, off+len)} with room for {@code maxFds} descriptors; received descriptors
     * are {@code O_CLOEXEC}. Descriptors beyond {@code maxFds} are closed by the kernel and flagged with
     * {@link Received#controlTruncated()}. The caller owns (and must close) every fd in the result.
     */
    public static Received receive(int fd, byte[] data, int off, int len, int maxFds, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, len));
            MemorySegment iov = arena.allocate(Native.IOVEC);
            Native.IOV_BASE.set(iov, 0L, buf);
            Native.IOV_LEN.set(iov, 0L, (long) len);
            MemorySegment msg = arena.allocate(Native.MSGHDR);
            Native.MSG_IOV.set(msg, 0L, iov);
            Native.MSG_IOVLEN.set(msg, 0L, 1L);
            long space = Native.cmsgSpace((long) Math.max(1, maxFds) * Integer.BYTES);
            MemorySegment control = arena.allocate(space, 8);
            Native.MSG_CONTROL.set(msg, 0L, control);
            Native.MSG_CONTROLLEN.set(msg, 0L, space);
            long r = Native.recvmsg(arena, fd, msg, flags | MSG_CMSG_CLOEXEC);
            if (r < 0) {
                return new Received(r, new int[0], 0);
            }
            MemorySegment.copy(buf, JAVA_BYTE, 0, data, off, (int) r);
            int[] fds = descriptors(control, (long) Native.MSG_CONTROLLEN.get(msg, 0L));
            return new Received(r, fds, (int) Native.MSG_FLAGS.get(msg, 0L));
        }
    }

    /** Every {@code SCM_RIGHTS} descriptor in a control buffer of {@code used} bytes. */
    private static int[] descriptors(MemorySegment control, long used) {
        List<Integer> fds = new ArrayList<>();
        long header = Native.cmsgDataOffset();
        for (long at = 0; at + header <= used;) {
            MemorySegment cmsg = control.asSlice(at);
            long cmsgLen = (long) Native.CMSG_LEN_FIELD.get(cmsg, 0L);
            if (cmsgLen < header || at + cmsgLen > used) {
                break;
            }
            if ((int) Native.CMSG_LEVEL.get(cmsg, 0L) == SOL_SOCKET && (int) Native.CMSG_TYPE.get(cmsg, 0L) == SCM_RIGHTS) {
                for (long p = header; p + Integer.BYTES <= cmsgLen; p += Integer.BYTES) {
                    fds.add(cmsg.get(JAVA_INT, p));
                }
            }
            at += Native.cmsgAlign(cmsgLen);
        }
        return fds.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code SO_PEERCRED}, or null when the call fails (not a Unix socket, not connected). */
    public static PeerCredentials peerCredentials(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ucred = arena.allocate(12, 4);
            int r = Native.getsockopt(arena, fd, SOL_SOCKET, SO_PEERCRED, ucred);
            if (r < 12) {
                return null;
            }
            return new PeerCredentials(ucred.get(JAVA_INT, 0), ucred.get(JAVA_INT, 4), ucred.get(JAVA_INT, 8));
        }
    }

    /** {@code SO_PEERGROUPS} (Linux 4.13): the peer's supplementary groups, or an empty array when unavailable. */
    public static int[] peerGroups(int fd) {
        for (int room : new int[] {256, 65536}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment groups = arena.allocate(JAVA_INT, room);
                int r = Native.getsockopt(arena, fd, SOL_SOCKET, SO_PEERGROUPS, groups);
                if (r == -LinuxErrno.ERANGE) {
                    continue;
                }
                if (r < 0) {
                    return new int[0];
                }
                return groups.asSlice(0, r).toArray(JAVA_INT);
            }
        }
        return new int[0];
    }

    /** {@code getsockopt} of an int option: its value, or -errno (ENOTSOCK for a descriptor that is no socket). */
    public static long intOption(int fd, int level, int name) {
        return Sockopt.getUnsigned(fd, level, name, 4);
    }

    /**
     * {@code getsockopt(fd, SOL_TCP, TCP_ULP)}: the name of the attached upper-layer protocol ("tls"), "" when none,
     * or null when the call fails.
     */
    public static String ulpName(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(TCP_ULP_NAME_MAX);
            int r = Native.getsockopt(arena, fd, Native.SOL_TCP, Native.TCP_ULP, name);
            if (r < 0) {
                return null;
            }
            byte[] b = name.asSlice(0, r).toArray(JAVA_BYTE);
            int n = 0;
            while (n < b.length && b[n] != 0) {
                n++;
            }
            return new String(b, 0, n, StandardCharsets.US_ASCII);
        }
    }

    @FunctionalInterface
    private interface AddressCall {
        int call(Arena arena, MemorySegment addr, int len);
    }

    private static int withAddress(String path, AddressCall call) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length >= SUN_PATH_MAX || p.length == 0) {
            return -LinuxErrno.ENAMETOOLONG; // (an empty path would mean the abstract namespace or autobind)
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(2 + SUN_PATH_MAX, 2);
            addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(p, 0, addr, JAVA_BYTE, 2, p.length);
            return call.call(arena, addr, 2 + p.length + 1);
        }
    }
}
