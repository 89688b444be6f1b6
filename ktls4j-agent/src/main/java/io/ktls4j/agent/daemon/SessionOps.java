package io.ktls4j.agent.daemon;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.RecordType;
import io.ktls4j.WouldBlockException;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.SocketState;
import io.ktls4j.agent.wire.SessionReply;
import io.ktls4j.agent.wire.SessionRequest;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Carries out one operation on a kept session (docs/AGENT.md, "Sessions"). For a direction whose keys are in the
 * kernel the agent acts on the socket itself: the KeyUpdate record under the current TX key, then the next key
 * ({@code traffic upd}, RFC 8446 §7.2) as a second {@code TLS_TX}/{@code TLS_RX}. For a direction the consumer's
 * software record layer carries, the next key goes back in the reply. Before anything is sent or installed the agent
 * checks the descriptor (the session's socket, by {@code SO_COOKIE}) and that the kernel can rekey; those refusals
 * leave the socket untouched.
 */
final class SessionOps {
    private static final int NEW_SESSION_TICKET = 4;

    private SessionOps() {
    }

    /**
     * Runs {@code r} (not RELEASE) on {@code s}, holding its lock.
     *
     * @param fd the descriptor that came with the frame, or -1
     */
    static SessionReply execute(KeptSession s, SessionRequest r, int fd, KernelPort port) {
        synchronized (s) {
            if (s.isReleased()) {
                return refuse(AgentStatus.UNKNOWN_SESSION, "the session was released");
            }
            try {
                return switch (r.op()) {
                    case NEW_SESSION_TICKET -> ticket(s, r);
                    case KEY_UPDATE_TX -> keyUpdateTx(s, r, fd, port);
                    case PEER_KEY_UPDATE -> peerKeyUpdate(s, r, fd, port);
                    case RELEASE -> throw new IllegalArgumentException("RELEASE is not an operation on the socket");
                };
            } catch (IOException | RuntimeException e) {
                return SessionReply.failure(AgentStatus.INTERNAL_ERROR, SocketState.UNUSABLE, String.valueOf(e));
            }
        }
    }

    private static SessionReply ticket(KeptSession s, SessionRequest r) {
        byte[] m = r.message();
        if (s.role != Role.CLIENT) {
            return refuse(AgentStatus.BAD_REQUEST, "a server receives no NewSessionTicket");
        }
        int length = m.length >= 4 ? ((m[1] & 0xff) << 16) | ((m[2] & 0xff) << 8) | (m[3] & 0xff) : -1;
        // ticket_lifetime(4) ticket_age_add(4) ticket_nonce<0..255> ticket<1..2^16-1> extensions<0..2^16-2>
        if ((m[0] & 0xff) != NEW_SESSION_TICKET || length != m.length - 4 || length < 13) {
            return refuse(AgentStatus.BAD_REQUEST, "not a NewSessionTicket message (type 4, its length, at least "
                    + "13 bytes of body)");
        }
        try {
            s.keepTicket(new PostHandshakeMessages.Message(NEW_SESSION_TICKET, Arrays.copyOfRange(m, 4, m.length)));
        } catch (IllegalArgumentException | IOException e) {
            return refuse(AgentStatus.BAD_REQUEST, "a malformed NewSessionTicket: " + e.getMessage());
        }
        return ok(s, false, Map.of());
    }

    private static SessionReply keyUpdateTx(KeptSession s, SessionRequest r, int fd, KernelPort port)
            throws IOException {
        SessionReply refused = check(s, fd, port, s.placements.get(Direction.TX) == Placement.KERNEL);
        if (refused != null) {
            return refused;
        }
        Map<Direction, CryptoInfo> returned = new EnumMap<>(Direction.class);
        try {
            boolean onSocket = updateTx(s, r.requestUpdate(), fd, port, r.sendWaitMillis(), returned);
            return ok(s, onSocket, returned);
        } catch (WouldBlockException e) {
            return refuse(AgentStatus.WOULD_BLOCK, e.getMessage());
        } catch (IOException e) {
            return txFailed(e);
        }
    }

    private static SessionReply peerKeyUpdate(KeptSession s, SessionRequest r, int fd, KernelPort port)
            throws IOException {
        boolean requested;
        try {
            requested = Handshakes.updateRequested(r.message());
        } catch (IllegalArgumentException e) {
            return refuse(AgentStatus.BAD_REQUEST, e.getMessage());
        }
        boolean answer = requested && r.answer();
        boolean kernel = s.placements.get(Direction.RX) == Placement.KERNEL
                || (answer && s.placements.get(Direction.TX) == Placement.KERNEL);
        SessionReply refused = check(s, fd, port, kernel);
        if (refused != null) {
            return refused;
        }
        Map<Direction, CryptoInfo> returned = new EnumMap<>(Direction.class);
        CryptoInfo rx = s.secrets().advance(Direction.RX);
        try {
            if (s.placements.get(Direction.RX) == Placement.KERNEL) {
                port.install(fd, Direction.RX, rx, true);
            } else {
                returned.put(Direction.RX, rx.copy());
            }
        } catch (IOException e) {
            return SessionReply.failure(AgentStatus.KERNEL_REFUSED, SocketState.UNUSABLE,
                    "the kernel refused the peer's next key: " + e.getMessage());
        } finally {
            rx.destroy();
        }
        boolean onSocket = false;
        if (answer) {
            try {
                onSocket = updateTx(s, false, fd, port, r.sendWaitMillis(), returned);
            } catch (WouldBlockException e) {
                // RX is done; the consumer still owes the answer and sends KEY_UPDATE_TX at its next write
            } catch (IOException e) {
                for (CryptoInfo k : returned.values()) {
                    k.destroy();
                }
                return txFailed(e);
            }
        }
        return ok(s, onSocket, returned);
    }

    /**
     * This end's KeyUpdate: on the socket (sent, then the next TX key installed; returns true) or, for a software TX,
     * the next key into {@code returned} for the consumer to send and install (returns false).
     */
    private static boolean updateTx(KeptSession s, boolean requestUpdate, int fd, KernelPort port, long waitMillis,
            Map<Direction, CryptoInfo> returned) throws IOException {
        if (s.placements.get(Direction.TX) != Placement.KERNEL) {
            returned.put(Direction.TX, s.secrets().advance(Direction.TX));
            return false;
        }
        port.sendControl(fd, RecordType.HANDSHAKE, Handshakes.keyUpdateMessage(requestUpdate), waitMillis);
        CryptoInfo tx = s.secrets().advance(Direction.TX);
        try {
            port.install(fd, Direction.TX, tx, true);
        } catch (IOException e) {
            throw new InstallRefused(e);
        } finally {
            tx.destroy();
        }
        return true;
    }

    private static SessionReply txFailed(IOException e) {
        if (e instanceof InstallRefused) {
            return SessionReply.failure(AgentStatus.KERNEL_REFUSED, SocketState.UNUSABLE,
                    "the KeyUpdate was sent but the kernel refused the next TX key: " + e.getCause().getMessage());
        }
        return SessionReply.failure(AgentStatus.INTERNAL_ERROR, SocketState.UNUSABLE, "sending the KeyUpdate failed: "
                + e.getMessage());
    }

    /** The kernel refused a next TX key after the KeyUpdate went out. */
    private static final class InstallRefused extends IOException {
        private static final long serialVersionUID = 1L;

        InstallRefused(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** The refusals that leave the socket untouched: a wrong descriptor, a kernel that cannot rekey. */
    private static SessionReply check(KeptSession s, int fd, KernelPort port, boolean kernelDirection) {
        if (fd < 0) {
            return refuse(AgentStatus.BAD_DESCRIPTOR, "the operation must carry the session's TCP socket");
        }
        long cookie;
        try {
            cookie = port.cookie(fd);
        } catch (IOException e) {
            return refuse(AgentStatus.NOT_TCP_SOCKET, "cannot identify the descriptor (" + e.getMessage() + ")");
        }
        if (cookie != s.socketCookie) {
            return refuse(AgentStatus.BAD_DESCRIPTOR, "the descriptor is not this session's socket");
        }
        if (kernelDirection) {
            String why = port.rekeyUnavailable();
            if (why != null) {
                return refuse(AgentStatus.REKEY_UNSUPPORTED, why);
            }
        }
        return null;
    }

    static SessionReply ok(KeptSession s, boolean txUpdated, Map<Direction, CryptoInfo> returned) {
        return SessionReply.success(s.generation(Direction.TX), s.generation(Direction.RX), txUpdated, s.tickets(),
                returned);
    }

    private static SessionReply refuse(AgentStatus status, String message) {
        return SessionReply.failure(status, SocketState.ESTABLISHED, message);
    }
}
