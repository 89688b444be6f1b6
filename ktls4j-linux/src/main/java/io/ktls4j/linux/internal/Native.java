package io.ktls4j.linux.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import io.ktls4j.linux.LinuxErrno;
import java.util.Locale;

/**
 * The one native facade of ktls4j-linux: every libc call as an FFM downcall, one {@code static final MethodHandle}
 * per symbol (the kernel backend's socket calls, and the AF_UNIX and descriptor calls of {@code io.ktls4j.linux.unix}
 * and {@code io.ktls4j.linux.fd}). Internal: nothing here is part of the public API, and no
 * {@code java.lang.foreign} type leaves this package.
 *
 * <p>Every call returns the kernel's convention, {@code result >= 0} on success or {@code -errno} on failure.
 * {@code errno} is captured per call with {@link Linker.Option#captureCallState(String...)} into a segment that the
 * caller's arena allocates for that one call (never a shared static segment, which would race between threads).
 * {@link Errors} turns a negative result into the contract's typed exception.
 *
 * <p>Only Linux on LP64 targets (x86-64, aarch64) is supported: {@link #unavailabilityCause()} says why not
 * elsewhere. The struct layouts below are the LP64 ones (pointers and {@code size_t} are 8 bytes).
 */
public final class Native {
    // <netinet/tcp.h>, <linux/tls.h>, <sys/socket.h>: the numbers the selftests use.
    public static final int SOL_TCP = 6;
    public static final int TCP_ULP = 31;
    public static final int SOL_TLS = 282;
    public static final int TLS_TX = 1;
    public static final int TLS_RX = 2;
    public static final int TLS_TX_ZEROCOPY_RO = 3;
    public static final int TLS_RX_EXPECT_NO_PAD = 4;
    public static final int TLS_TX_MAX_PAYLOAD_LEN = 5;
    public static final int TLS_SET_RECORD_TYPE = 1;
    public static final int TLS_GET_RECORD_TYPE = 2;

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_MORE = 0x8000;
    public static final int MSG_EOR = 0x80;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_OOB = 0x1;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVLOWAT = 18;
    public static final long FIONREAD = 0x541B;
    public static final int F_SETPIPE_SZ = 1031;
    public static final int F_GETPIPE_SZ = 1032;
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLRDHUP = 0x2000;
    /** {@code SIOCINQ} ({@code FIONREAD}): bytes in a TCP socket's receive queue not yet read. */
    public static final long SIOCINQ = 0x541B;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final short POLLNVAL = 0x20;
    private static final int EINTR = LinuxErrno.EINTR;

    /** {@code struct iovec { void *iov_base; size_t iov_len; }}. */
    public static final StructLayout IOVEC = struct("iovec",
            ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));
    /** {@code struct msghdr}, 56 bytes on LP64 Linux. */
    public static final StructLayout MSGHDR = struct("msghdr",
            ADDRESS.withName("msg_name"), JAVA_INT.withName("msg_namelen"), pad(4),
            ADDRESS.withName("msg_iov"), JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"), JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"), pad(4));
    /** {@code struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }}, 16 bytes. */
    public static final StructLayout CMSGHDR = struct("cmsghdr",
            JAVA_LONG.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"));
    /** {@code struct pollfd { int fd; short events; short revents; }}. */
    public static final StructLayout POLLFD = struct("pollfd",
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    public static final VarHandle IOV_BASE = field(IOVEC, "iov_base");
    public static final VarHandle IOV_LEN = field(IOVEC, "iov_len");
    public static final VarHandle MSG_NAME = field(MSGHDR, "msg_name");
    public static final VarHandle MSG_NAMELEN = field(MSGHDR, "msg_namelen");
    public static final VarHandle MSG_IOV = field(MSGHDR, "msg_iov");
    public static final VarHandle MSG_IOVLEN = field(MSGHDR, "msg_iovlen");
    public static final VarHandle MSG_CONTROL = field(MSGHDR, "msg_control");
    public static final VarHandle MSG_CONTROLLEN = field(MSGHDR, "msg_controllen");
    public static final VarHandle MSG_FLAGS = field(MSGHDR, "msg_flags");
    public static final VarHandle CMSG_LEN_FIELD = field(CMSGHDR, "cmsg_len");
    public static final VarHandle CMSG_LEVEL = field(CMSGHDR, "cmsg_level");
    public static final VarHandle CMSG_TYPE = field(CMSGHDR, "cmsg_type");
    public static final VarHandle POLL_FD = field(POLLFD, "fd");
    public static final VarHandle POLL_EVENTS = field(POLLFD, "events");
    public static final VarHandle POLL_REVENTS = field(POLLFD, "revents");

    private static StructLayout struct(String name, MemoryLayout... fields) {
        return MemoryLayout.structLayout(fields).withName(name);
    }

    private static MemoryLayout pad(long bytes) {
        return MemoryLayout.paddingLayout(bytes);
    }

    private static VarHandle field(StructLayout struct, String name) {
        return struct.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    /** {@code CMSG_ALIGN}: control messages are aligned to {@code sizeof(size_t)} (8 on LP64). */
    public static long cmsgAlign(long len) {
        return (len + 7) & ~7L;
    }

    /** {@code CMSG_LEN(n)}: header plus {@code n} data bytes, unpadded (17 for the 1-byte record type). */
    public static long cmsgLen(long dataLen) {
        return cmsgAlign(CMSGHDR.byteSize()) + dataLen;
    }

    /** {@code CMSG_SPACE(n)}: the room one control message of {@code n} data bytes takes (24 for one byte). */
    public static long cmsgSpace(long dataLen) {
        return cmsgAlign(CMSGHDR.byteSize()) + cmsgAlign(dataLen);
    }

    /** {@code CMSG_DATA}: offset of the data from the start of its {@code cmsghdr}. */
    public static long cmsgDataOffset() {
        return cmsgAlign(CMSGHDR.byteSize());
    }

    private static final String UNAVAILABLE;
    private static final StructLayout CAPTURE;
    private static final VarHandle ERRNO;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKOPT;
    private static final MethodHandle SENDMSG;
    private static final MethodHandle RECVMSG;
    private static final MethodHandle GETSOCKNAME;
    private static final MethodHandle GETPEERNAME;
    private static final MethodHandle POLL;
    private static final MethodHandle SHUTDOWN;
    private static final MethodHandle SOCKET;
    private static final MethodHandle CLOSE;
    private static final MethodHandle IOCTL_INT;
    private static final MethodHandle EVENTFD;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;
    private static final MethodHandle BIND;
    private static final MethodHandle LISTEN;
    private static final MethodHandle ACCEPT4;
    private static final MethodHandle CONNECT;
    private static final MethodHandle SOCKETPAIR;
    private static final MethodHandle DUP3;
    private static final MethodHandle FCNTL_INT;
    private static final MethodHandle PIPE2;
    private static final MethodHandle SPLICE;

    static {
        String why = platformProblem();
        StructLayout capture = null;
        VarHandle errno = null;
        MethodHandle setsockopt = null, getsockopt = null, sendmsg = null, recvmsg = null, getsockname = null,
                getpeername = null, poll = null, shutdown = null, socket = null, close = null, ioctl = null,
                eventfd = null, read = null, write = null, bind = null, listen = null, accept4 = null, connect = null,
                socketpair = null, dup3 = null, fcntl = null, pipe2 = null, splice = null;
        if (why == null) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                capture = Linker.Option.captureStateLayout();
                errno = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                Linker.Option ccs = Linker.Option.captureCallState("errno");
                setsockopt = downcall(linker, libc, ccs, "setsockopt",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
                getsockopt = downcall(linker, libc, ccs, "getsockopt",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
                sendmsg = downcall(linker, libc, ccs, "sendmsg",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
                recvmsg = downcall(linker, libc, ccs, "recvmsg",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
                getsockname = downcall(linker, libc, ccs, "getsockname",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
                getpeername = downcall(linker, libc, ccs, "getpeername",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
                poll = downcall(linker, libc, ccs, "poll",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                shutdown = downcall(linker, libc, ccs, "shutdown",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
                socket = downcall(linker, libc, ccs, "socket",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
                close = downcall(linker, libc, ccs, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                eventfd = downcall(linker, libc, ccs, "eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
                read = downcall(linker, libc, ccs, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
                write = downcall(linker, libc, ccs, "write",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
                // int ioctl(int fd, unsigned long request, ...): one variadic pointer argument
                ioctl = linker.downcallHandle(libc.find("ioctl").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ccs,
                        Linker.Option.firstVariadicArg(2));
                bind = downcall(linker, libc, ccs, "bind",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
                listen = downcall(linker, libc, ccs, "listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
                accept4 = downcall(linker, libc, ccs, "accept4",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
                connect = downcall(linker, libc, ccs, "connect",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
                socketpair = downcall(linker, libc, ccs, "socketpair",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
                dup3 = downcall(linker, libc, ccs, "dup3",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
                // int fcntl(int fd, int cmd, ...): the third argument is variadic
                fcntl = linker.downcallHandle(libc.find("fcntl").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ccs,
                        Linker.Option.firstVariadicArg(2));
                pipe2 = downcall(linker, libc, ccs, "pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
                // ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len, unsigned flags)
                splice = downcall(linker, libc, ccs, "splice",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            } catch (Throwable t) { // IllegalCallerException without native access, missing symbols, ...
                why = "the FFM linker could not bind libc's socket calls: " + t;
            }
        }
        UNAVAILABLE = why;
        CAPTURE = capture;
        ERRNO = errno;
        SETSOCKOPT = setsockopt;
        GETSOCKOPT = getsockopt;
        SENDMSG = sendmsg;
        RECVMSG = recvmsg;
        GETSOCKNAME = getsockname;
        GETPEERNAME = getpeername;
        POLL = poll;
        SHUTDOWN = shutdown;
        SOCKET = socket;
        CLOSE = close;
        IOCTL_INT = ioctl;
        EVENTFD = eventfd;
        READ = read;
        WRITE = write;
        BIND = bind;
        LISTEN = listen;
        ACCEPT4 = accept4;
        CONNECT = connect;
        SOCKETPAIR = socketpair;
        DUP3 = dup3;
        FCNTL_INT = fcntl;
        PIPE2 = pipe2;
        SPLICE = splice;
    }

    private Native() {
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup libc, Linker.Option ccs, String name,
            FunctionDescriptor fd) {
        MemorySegment symbol = libc.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return linker.downcallHandle(symbol, fd, ccs);
    }

    private static String platformProblem() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "kTLS is a Linux kernel feature; this is " + os;
        }
        if (!(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return "the kernel backend's struct layouts are written for x86-64 and aarch64; this is " + arch;
        }
        if (ADDRESS.byteSize() != 8) {
            return "the kernel backend needs a 64-bit JVM";
        }
        return null;
    }

    /** Why the facade cannot be used on this platform, or {@code null} when it can. */
    public static String unavailabilityCause() {
        return UNAVAILABLE;
    }

    public static boolean isUsable() {
        return UNAVAILABLE == null;
    }

    private static void ensureUsable() {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException(UNAVAILABLE);
        }
    }

    /** A fresh errno capture segment from the caller's arena: one per call. */
    private static MemorySegment capture(Arena arena) {
        ensureUsable();
        return arena.allocate(CAPTURE);
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static long result(long r, MemorySegment capture) {
        return r < 0 ? -Math.max(1, errno(capture)) : r;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** {@code setsockopt(fd, level, name, value, value.byteSize())}: 0 or -errno. */
    public static int setsockopt(Arena arena, int fd, int level, int name, MemorySegment value) {
        return setsockopt(arena, fd, level, name, value, (int) value.byteSize());
    }

    /** {@code setsockopt} with an explicit optlen (tests use it to pass a wrong one): 0 or -errno. */
    public static int setsockopt(Arena arena, int fd, int level, int name, MemorySegment value, int optlen) {
        MemorySegment c = capture(arena);
        try {
            int r;
            do {
                r = (int) result((int) SETSOCKOPT.invokeExact(c, fd, level, name, value, optlen), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code getsockopt(fd, level, name, value, &len)} with {@code len = value.byteSize()}: the length the kernel
     * wrote, or -errno.
     */
    public static int getsockopt(Arena arena, int fd, int level, int name, MemorySegment value) {
        MemorySegment c = capture(arena);
        MemorySegment len = arena.allocate(JAVA_INT);
        len.set(JAVA_INT, 0, (int) value.byteSize());
        try {
            int r = (int) result((int) GETSOCKOPT.invokeExact(c, fd, level, name, value, len), c);
            return r < 0 ? r : len.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendmsg}: bytes sent or -errno. EINTR is retried. */
    public static long sendmsg(Arena arena, int fd, MemorySegment msghdr, int flags) {
        MemorySegment c = capture(arena);
        try {
            long r;
            do {
                r = result((long) SENDMSG.invokeExact(c, fd, msghdr, flags), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code recvmsg}: bytes received (0 at end of stream) or -errno. EINTR is retried. */
    public static long recvmsg(Arena arena, int fd, MemorySegment msghdr, int flags) {
        MemorySegment c = capture(arena);
        try {
            long r;
            do {
                r = result((long) RECVMSG.invokeExact(c, fd, msghdr, flags), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getsockname} into {@code addr} (a {@code sockaddr_storage}): the address length, or -errno. */
    public static int getsockname(Arena arena, int fd, MemorySegment addr) {
        return sockname(GETSOCKNAME, arena, fd, addr);
    }

    /** {@code getpeername} into {@code addr}: the address length, or -errno (ENOTCONN when not connected). */
    public static int getpeername(Arena arena, int fd, MemorySegment addr) {
        return sockname(GETPEERNAME, arena, fd, addr);
    }

    private static int sockname(MethodHandle h, Arena arena, int fd, MemorySegment addr) {
        MemorySegment c = capture(arena);
        MemorySegment len = arena.allocate(JAVA_INT);
        len.set(JAVA_INT, 0, (int) addr.byteSize());
        try {
            int r = (int) result((int) h.invokeExact(c, fd, addr, len), c);
            return r < 0 ? r : len.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code poll} on one fd: the {@code revents} bits (0 on timeout), or -errno. EINTR is reported as 0 so the
     * caller re-checks its own state and polls again.
     */
    public static int poll(Arena arena, int fd, short events, int timeoutMillis) {
        MemorySegment c = capture(arena);
        MemorySegment p = arena.allocate(POLLFD);
        POLL_FD.set(p, 0L, fd);
        POLL_EVENTS.set(p, 0L, events);
        POLL_REVENTS.set(p, 0L, (short) 0);
        try {
            int r = (int) result((int) POLL.invokeExact(c, p, 1L, timeoutMillis), c);
            if (r == -EINTR || r == 0) {
                return 0;
            }
            return r < 0 ? r : Short.toUnsignedInt((short) POLL_REVENTS.get(p, 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code shutdown(fd, how)}: 0 or -errno. */
    public static int shutdown(Arena arena, int fd, int how) {
        MemorySegment c = capture(arena);
        try {
            return (int) result((int) SHUTDOWN.invokeExact(c, fd, how), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socket(domain, type, protocol)}: a new fd, or -errno (the sock_diag netlink socket, AF_UNIX sockets). */
    public static int socket(Arena arena, int domain, int type, int protocol) {
        MemorySegment c = capture(arena);
        try {
            return (int) result((int) SOCKET.invokeExact(c, domain, type, protocol), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(fd)} for fds this facade opened itself (never a channel's fd): 0 or -errno. */
    public static int close(Arena arena, int fd) {
        MemorySegment c = capture(arena);
        try {
            return (int) result((int) CLOSE.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(fd, request, &int)}: the int the kernel wrote, or -errno. */
    public static int ioctlInt(Arena arena, int fd, long request) {
        MemorySegment c = capture(arena);
        MemorySegment v = arena.allocate(JAVA_INT);
        try {
            int r = (int) result((int) IOCTL_INT.invokeExact(c, fd, request, v), c);
            return r < 0 ? r : v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
    /**
     * {@code poll} on {@code count} entries of a {@link #POLLFD} array the caller filled: the number of entries with
     * {@code revents} set (0 on timeout or EINTR), or -errno.
     */
    public static int pollAll(Arena arena, MemorySegment pollfds, long count, int timeoutMillis) {
        MemorySegment c = capture(arena);
        try {
            int r = (int) result((int) POLL.invokeExact(c, pollfds, count, timeoutMillis), c);
            return r == -EINTR ? 0 : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)}: a new fd, or -errno. Only for the virtual-thread poller. */
    public static int eventfd(Arena arena) {
        MemorySegment c = capture(arena);
        try {
            return (int) result((int) EVENTFD.invokeExact(c, 0, EFD_NONBLOCK | EFD_CLOEXEC), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Adds 1 to an eventfd's counter ({@code write} of 8 bytes): 8, or -errno. */
    public static long eventfdSignal(Arena arena, int fd) {
        MemorySegment c = capture(arena);
        MemorySegment v = arena.allocate(JAVA_LONG);
        v.set(JAVA_LONG, 0, 1L);
        try {
            return result((long) WRITE.invokeExact(c, fd, v, 8L), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Resets an eventfd's counter ({@code read} of 8 bytes): 8, or -errno (EAGAIN when it was 0). */
    public static long eventfdDrain(Arena arena, int fd) {
        MemorySegment c = capture(arena);
        MemorySegment v = arena.allocate(JAVA_LONG);
        try {
            return result((long) READ.invokeExact(c, fd, v, 8L), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code bind(fd, addr, len)}: 0 or -errno. */
    public static int bind(Arena arena, int fd, MemorySegment addr, int len) {
        MemorySegment c = capture(arena);
        try {
            return (int) result((int) BIND.invokeExact(c, fd, addr, len), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code connect(fd, addr, len)}: 0 or -errno. EINTR is retried. */
    public static int connect(Arena arena, int fd, MemorySegment addr, int len) {
        MemorySegment c = capture(arena);
        try {
            int r;
            do {
                r = (int) result((int) CONNECT.invokeExact(c, fd, addr, len), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code listen(fd, backlog)}: 0 or -errno. */
    public static int listen(Arena arena, int fd, int backlog) {
        MemorySegment c = capture(arena);
        try {
            return (int) result((int) LISTEN.invokeExact(c, fd, backlog), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code accept4(fd, NULL, NULL, flags)}: the connected fd, or -errno. EINTR is retried. */
    public static int accept4(Arena arena, int fd, int flags) {
        MemorySegment c = capture(arena);
        try {
            int r;
            do {
                r = (int) result((int) ACCEPT4.invokeExact(c, fd, MemorySegment.NULL, MemorySegment.NULL, flags), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socketpair(domain, type, protocol, sv)} into the two ints of {@code sv}: 0 or -errno. */
    public static int socketpair(Arena arena, int domain, int type, int protocol, MemorySegment sv) {
        MemorySegment c = capture(arena);
        try {
            return (int) result((int) SOCKETPAIR.invokeExact(c, domain, type, protocol, sv), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code dup3(oldFd, newFd, flags)}: {@code newFd}, or -errno. EINTR is retried. */
    public static int dup3(Arena arena, int oldFd, int newFd, int flags) {
        MemorySegment c = capture(arena);
        try {
            int r;
            do {
                r = (int) result((int) DUP3.invokeExact(c, oldFd, newFd, flags), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fcntl(fd, cmd, arg)} with an int argument: the command's result, or -errno. EINTR is retried. */
    public static int fcntl(Arena arena, int fd, int cmd, int arg) {
        MemorySegment c = capture(arena);
        try {
            int r;
            do {
                r = (int) result((int) FCNTL_INT.invokeExact(c, fd, cmd, arg), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pipe2(fds, flags)} into the two ints of {@code fds} (read end, write end): 0 or -errno. */
    public static int pipe2(Arena arena, MemorySegment fds, int flags) {
        MemorySegment c = capture(arena);
        try {
            return (int) result((int) PIPE2.invokeExact(c, fds, flags), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code splice(in, NULL, out, NULL, len, flags)}: bytes moved (0 at end of input), or -errno. EINTR is retried.
     */
    public static long splice(Arena arena, int in, int out, long len, int flags) {
        MemorySegment c = capture(arena);
        try {
            long r;
            do {
                r = result((long) SPLICE.invokeExact(c, in, MemorySegment.NULL, out, MemorySegment.NULL, len, flags), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read(fd, buf, buf.byteSize())}: bytes read (0 at end of file), or -errno. EINTR is retried. */
    public static long read(Arena arena, int fd, MemorySegment buf) {
        MemorySegment c = capture(arena);
        try {
            long r;
            do {
                r = result((long) READ.invokeExact(c, fd, buf, buf.byteSize()), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(fd, buf, buf.byteSize())}: bytes written, or -errno. EINTR is retried. */
    public static long write(Arena arena, int fd, MemorySegment buf) {
        MemorySegment c = capture(arena);
        try {
            long r;
            do {
                r = result((long) WRITE.invokeExact(c, fd, buf, buf.byteSize()), c);
            } while (r == -EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
