package io.ktls4j.agent;

import io.ktls4j.linux.LinuxErrno;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.SocketFd;
import io.ktls4j.linux.internal.UnixSockets;

/**
 * Checks a received descriptor before the agent touches it: a connected TCP stream socket (IPv4 or IPv6), not
 * listening, with no upper-layer protocol other than {@code tls} attached. Only {@code getsockopt} and
 * {@code getpeername} are used: nothing on the socket changes.
 */
final class SocketCheck {
    private SocketCheck() {
    }

    /** The verdict: {@code status} null when the socket is fit; {@code ulp} is the attached ULP's name ("" for none). */
    record Verdict(AgentStatus status, String message, String ulp) {
        static Verdict refuse(AgentStatus status, String message) {
            return new Verdict(status, message, null);
        }
    }

    static Verdict check(int fd) {
        long type = UnixSockets.intOption(fd, UnixSockets.SOL_SOCKET, UnixSockets.SO_TYPE);
        if (type == -LinuxErrno.ENOTSOCK) {
            return Verdict.refuse(AgentStatus.NOT_TCP_SOCKET, "the descriptor is not a socket (a file, pipe or device)");
        }
        if (type < 0) {
            return Verdict.refuse(AgentStatus.NOT_TCP_SOCKET, "getsockopt(SO_TYPE) failed: " + LinuxErrno.name((int) -type));
        }
        long domain = UnixSockets.intOption(fd, UnixSockets.SOL_SOCKET, UnixSockets.SO_DOMAIN);
        long protocol = UnixSockets.intOption(fd, UnixSockets.SOL_SOCKET, UnixSockets.SO_PROTOCOL);
        if ((domain != Native.AF_INET && domain != Native.AF_INET6) || type != UnixSockets.SOCK_STREAM
                || protocol != UnixSockets.IPPROTO_TCP) {
            return Verdict.refuse(AgentStatus.NOT_TCP_SOCKET, "the socket is not TCP (domain " + domain + ", type "
                    + type + ", protocol " + protocol + ")");
        }
        if (UnixSockets.intOption(fd, UnixSockets.SOL_SOCKET, UnixSockets.SO_ACCEPTCONN) == 1) {
            return Verdict.refuse(AgentStatus.NOT_CONNECTED, "the socket is listening; send a connected one");
        }
        if (SocketFd.endpoint(fd, true) == null) {
            return Verdict.refuse(AgentStatus.NOT_CONNECTED, "the socket is not connected (getpeername failed)");
        }
        String ulp = UnixSockets.ulpName(fd);
        if (ulp == null) {
            return Verdict.refuse(AgentStatus.NOT_CONNECTED, "getsockopt(TCP_ULP) failed");
        }
        if (!ulp.isEmpty() && !ulp.equals("tls")) {
            return Verdict.refuse(AgentStatus.NOT_CONNECTED, "another upper-layer protocol (" + ulp + ") is attached");
        }
        return new Verdict(null, null, ulp);
    }
}
