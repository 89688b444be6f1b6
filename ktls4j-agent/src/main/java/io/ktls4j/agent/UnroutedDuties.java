package io.ktls4j.agent;

import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.linux.KernelTls;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;

/**
 * The duties of a TLS 1.3 agent session that the agent does not keep (an agent that speaks only protocol version 1,
 * or one with {@code max-sessions = 0}): the traffic secrets are gone, so a KeyUpdate, sent or received, fails
 * clearly; NewSessionTickets are only counted.
 */
final class UnroutedDuties implements PostHandshakeDuties {
    private final String why;
    private final Map<Direction, Placement> placements;

    /** @param why why the agent keeps no session, e.g. "the agent speaks protocol version 1 only" */
    UnroutedDuties(String why, Map<Direction, Placement> placements) {
        this.why = why;
        this.placements = new EnumMap<>(placements);
    }

    @Override
    public void updateTxKey(KtlsSocket socket, boolean requestPeerUpdate) throws IOException {
        throw unavailable(Direction.TX);
    }

    @Override
    public boolean peerKeyUpdate(KtlsSocket socket, byte[] message, boolean mayAnswer) throws IOException {
        throw unavailable(Direction.RX);
    }

    @Override
    public void sessionTicket(byte[] message) {
        // counted by the connection; nothing is kept
    }

    @Override
    public void release() {
        // nothing is held
    }

    /**
     * The kernel version when the direction is in the kernel and this kernel could not install its next key anyway
     * (before Linux 6.14), else that the agent keeps no session.
     */
    private IOException unavailable(Direction direction) {
        String what = "a TLS 1.3 KeyUpdate needs the traffic secret, which stays in the handshake agent, and " + why;
        if (placements.get(direction) == Placement.KERNEL && !KernelTls.supportsRekey()) {
            return new KernelFeatureException(Errno.EOPNOTSUPP, "TLS 1.3 rekey (a second TLS_TX/TLS_RX)", "6.14",
                    what + "; this kernel (" + KernelTls.kernelRelease() + ") could not install the next key anyway");
        }
        return new AgentException(AgentStatus.UNKNOWN_SESSION, SocketState.ESTABLISHED, what);
    }
}
