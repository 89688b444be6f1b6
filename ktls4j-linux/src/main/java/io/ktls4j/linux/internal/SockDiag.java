package io.ktls4j.linux.internal;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.linux.LinuxErrno;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Asks the kernel what carries each direction of a kTLS socket: a {@code NETLINK_SOCK_DIAG} exact-match request
 * ({@code SOCK_DIAG_BY_FAMILY}, {@code inet_diag_req_v2} with the socket's 4-tuple) asking for
 * {@code INET_DIAG_INFO}, whose answer carries {@code INET_DIAG_ULP_INFO} → {@code INET_ULP_INFO_TLS} →
 * {@code TLS_INFO_TXCONF}/{@code TLS_INFO_RXCONF} ({@code TLS_CONF_BASE/SW/HW/HW_RECORD}), the same source as
 * {@code ss -ti}. The kernel adds ULP info only for callers with {@code CAP_NET_ADMIN} (and only since 5.4); without
 * it the answer is {@link TlsConf#unknown}, with the reason.
 */
public final class SockDiag {
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int SOCK_DIAG_BY_FAMILY = 20;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 1;
    private static final int IPPROTO_TCP = 6;
    private static final int INET_DIAG_INFO = 2;
    private static final int INET_DIAG_ULP_INFO = 19;
    private static final int INET_ULP_INFO_TLS = 2;
    private static final int TLS_INFO_TXCONF = 3;
    private static final int TLS_INFO_RXCONF = 4;
    private static final int NLMSG_HDRLEN = 16;
    private static final int REQ_LEN = 56;
    private static final int DIAG_MSG_LEN = 72;

    private SockDiag() {
    }

    /** The kernel's {@code TLS_CONF_*} for both directions, or why it is unknown. */
    public record TlsConf(boolean known, int tx, int rx, String why) {
        public static TlsConf unknown(String why) {
            return new TlsConf(false, 0, 0, why);
        }

        public int conf(Direction d) {
            return d == Direction.TX ? tx : rx;
        }

        /** {@code TLS_CONF_BASE}=1, {@code SW}=2, {@code HW}=3, {@code HW_RECORD}=4. */
        public BackendKind kind(Direction d) {
            return switch (conf(d)) {
                case 2 -> BackendKind.KERNEL_SW;
                case 3 -> BackendKind.KERNEL_HW;
                case 4 -> BackendKind.KERNEL_HW_RECORD;
                default -> BackendKind.NONE;
            };
        }
    }

    /** Queries the TLS configuration of the connected TCP socket {@code fd}. Never throws. */
    public static TlsConf query(int fd) {
        SocketFd.Endpoint local = SocketFd.endpoint(fd, false);
        SocketFd.Endpoint peer = SocketFd.endpoint(fd, true);
        if (local == null || peer == null) {
            return TlsConf.unknown("the socket is not connected");
        }
        try (Arena arena = Arena.ofConfined()) {
            int nl = Native.socket(arena, Native.AF_NETLINK, Native.SOCK_DGRAM | Native.SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
            if (nl < 0) {
                return TlsConf.unknown("socket(AF_NETLINK, NETLINK_SOCK_DIAG) failed: " + LinuxErrno.name(-nl));
            }
            try {
                byte[] req = request(local, peer);
                long w = MsgIo.send(nl, new ByteBuffer[] {ByteBuffer.wrap(req)}, 0, -1, Long.MAX_VALUE);
                if (w < 0) {
                    return TlsConf.unknown("sock_diag request failed: " + LinuxErrno.name((int) -w));
                }
                ByteBuffer reply = ByteBuffer.allocate(16384);
                long n = MsgIo.receive(nl, new ByteBuffer[] {reply}, 0, false, Long.MAX_VALUE).result();
                if (n < 0) {
                    return TlsConf.unknown("sock_diag reply failed: " + LinuxErrno.name((int) -n));
                }
                reply.flip();
                return parse(reply.order(ByteOrder.nativeOrder()));
            } finally {
                Native.close(arena, nl);
            }
        } catch (RuntimeException e) {
            return TlsConf.unknown("sock_diag query failed: " + e);
        }
    }

    /** The {@code nlmsghdr} + {@code inet_diag_req_v2} exact-match request. */
    static byte[] request(SocketFd.Endpoint local, SocketFd.Endpoint peer) {
        ByteBuffer b = ByteBuffer.allocate(NLMSG_HDRLEN + REQ_LEN).order(ByteOrder.nativeOrder());
        b.putInt(NLMSG_HDRLEN + REQ_LEN).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) NLM_F_REQUEST);
        b.putInt(1).putInt(0); // seq, pid (0: the kernel)
        b.put((byte) local.family()).put((byte) IPPROTO_TCP).put((byte) (1 << (INET_DIAG_INFO - 1))).put((byte) 0);
        b.putInt(-1); // idiag_states: all
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) local.address().getPort())
                .putShort((short) peer.address().getPort());
        putAddress(b, local);
        putAddress(b, peer);
        b.order(ByteOrder.nativeOrder()).putInt(0).putInt(-1).putInt(-1); // idiag_if, INET_DIAG_NOCOOKIE
        return b.array();
    }

    private static void putAddress(ByteBuffer b, SocketFd.Endpoint e) {
        byte[] a = e.address().getAddress().getAddress();
        byte[] out = new byte[16];
        if (e.family() == Native.AF_INET6 && a.length == 4) { // IPv4-mapped: ::ffff:a.b.c.d
            out[10] = (byte) 0xff;
            out[11] = (byte) 0xff;
            System.arraycopy(a, 0, out, 12, 4);
        } else {
            System.arraycopy(a, 0, out, 0, a.length);
        }
        b.put(out);
    }

    /** Parses one reply message: an error, or {@code inet_diag_msg} followed by attributes. */
    static TlsConf parse(ByteBuffer b) {
        if (b.remaining() < NLMSG_HDRLEN) {
            return TlsConf.unknown("empty sock_diag reply");
        }
        int start = b.position();
        int len = b.getInt(start);
        int type = Short.toUnsignedInt(b.getShort(start + 4));
        if (type == NLMSG_ERROR) {
            int err = -b.getInt(start + NLMSG_HDRLEN);
            return TlsConf.unknown("sock_diag answered " + LinuxErrno.name(err)
                    + (err == 2 ? " (the inet_diag/tcp_diag modules are missing, or the socket is gone)" : ""));
        }
        if (type != SOCK_DIAG_BY_FAMILY || len < NLMSG_HDRLEN + DIAG_MSG_LEN) {
            return TlsConf.unknown("unexpected sock_diag reply type " + type);
        }
        int end = Math.min(start + len, b.limit());
        int ulp = findAttr(b, start + NLMSG_HDRLEN + DIAG_MSG_LEN, end, INET_DIAG_ULP_INFO);
        if (ulp < 0) {
            return TlsConf.unknown("sock_diag gave no INET_DIAG_ULP_INFO (the kernel reports ULP info only to"
                    + " CAP_NET_ADMIN, and only since Linux 5.4)");
        }
        int tls = findAttr(b, ulp + 4, ulp + alen(b, ulp), INET_ULP_INFO_TLS);
        if (tls < 0) {
            return TlsConf.unknown("INET_DIAG_ULP_INFO has no INET_ULP_INFO_TLS (is the tls ULP attached?)");
        }
        int tlsEnd = tls + alen(b, tls);
        int tx = findAttr(b, tls + 4, tlsEnd, TLS_INFO_TXCONF);
        int rx = findAttr(b, tls + 4, tlsEnd, TLS_INFO_RXCONF);
        if (tx < 0 || rx < 0) {
            return TlsConf.unknown("INET_ULP_INFO_TLS has no TLS_INFO_TXCONF/RXCONF");
        }
        return new TlsConf(true, Short.toUnsignedInt(b.getShort(tx + 4)), Short.toUnsignedInt(b.getShort(rx + 4)), null);
    }

    private static int alen(ByteBuffer b, int at) {
        return Short.toUnsignedInt(b.getShort(at));
    }

    /** Offset of the first {@code nlattr} of {@code type} in [from, to), or -1. Flags bits are masked off. */
    private static int findAttr(ByteBuffer b, int from, int to, int type) {
        int at = from;
        while (at + 4 <= to) {
            int len = alen(b, at);
            if (len < 4 || at + len > to) {
                return -1;
            }
            if ((Short.toUnsignedInt(b.getShort(at + 2)) & 0x3fff) == type) {
                return at;
            }
            at += (len + 3) & ~3;
        }
        return -1;
    }
}
