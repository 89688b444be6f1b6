package io.ktls4j.agent.daemon;

import io.ktls4j.agent.AgentStatus;
import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.LinuxErrno;
import io.ktls4j.linux.fd.SocketInfo;
import java.io.IOException;

/**
 * Checks a received descriptor before the agent touches it: a connected TCP stream socket (IPv4 or IPv6), not
 * listening, with no upper-layer protocol other than {@code tls} attached. Only {@code getsockopt} and
 * {@code getpeername} are used ({@link KernelPort#inspect}): nothing on the socket changes.
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

    static Verdict check(KernelPort port, int fd) {
        SocketInfo s;
        try {
            s = port.inspect(fd);
        } catch (ErrnoException e) {
            return Verdict.refuse(AgentStatus.NOT_TCP_SOCKET, e.errno() == LinuxErrno.ENOTSOCK
                    ? "the descriptor is not a socket (a file, pipe or device)" : e.getMessage());
        } catch (IOException e) {
            return Verdict.refuse(AgentStatus.NOT_TCP_SOCKET, String.valueOf(e.getMessage()));
        }
        if (!s.isTcp()) {
            return Verdict.refuse(AgentStatus.NOT_TCP_SOCKET, "the socket is not TCP (domain " + s.domain() + ", type "
                    + s.type() + ", protocol " + s.protocol() + ")");
        }
        if (s.listening()) {
            return Verdict.refuse(AgentStatus.NOT_CONNECTED, "the socket is listening; send a connected one");
        }
        if (!s.isConnected()) {
            return Verdict.refuse(AgentStatus.NOT_CONNECTED, "the socket is not connected (getpeername failed)");
        }
        if (s.ulp() == null) {
            return Verdict.refuse(AgentStatus.NOT_CONNECTED, "getsockopt(TCP_ULP) failed");
        }
        if (!s.ulp().isEmpty() && !s.ulp().equals("tls")) {
            return Verdict.refuse(AgentStatus.NOT_CONNECTED, "another upper-layer protocol (" + s.ulp()
                    + ") is attached");
        }
        return new Verdict(null, null, s.ulp());
    }
}
