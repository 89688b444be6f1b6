package io.ktls4j.agent;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.ForwardingKtlsSocket;
import io.ktls4j.KtlsSocket;
import java.util.EnumMap;
import java.util.Map;

/**
 * The consumer's record layer after an agent handshake: ktls4j-linux's socket over the consumer's descriptor, which
 * carries every call, plus where the agent put each direction's keys. It differs in one answer: a direction the agent
 * installed in the kernel, which the kernel socket cannot confirm (sock_diag needs CAP_NET_ADMIN, and this process
 * installed nothing), is reported as {@link BackendKind#KERNEL_SW} rather than {@link BackendKind#NONE}.
 */
final class AgentRecordLayer extends ForwardingKtlsSocket {
    private final KtlsSocket layer;
    private final Map<Direction, Placement> placements;

    AgentRecordLayer(KtlsSocket layer, Map<Direction, Placement> placements) {
        this.layer = layer;
        this.placements = new EnumMap<>(placements);
    }

    @Override
    protected KtlsSocket delegate(Direction direction) {
        return layer;
    }

    /** Where the agent put {@code direction}'s keys. */
    Placement placement(Direction direction) {
        return placements.get(direction);
    }

    @Override
    public BackendKind backend(Direction direction) {
        BackendKind k = layer.backend(direction);
        if (k != BackendKind.NONE || !layer.channel().isOpen()) {
            return k;
        }
        return placements.get(direction) == Placement.KERNEL ? BackendKind.KERNEL_SW : BackendKind.SOFTWARE;
    }

    @Override
    public String toString() {
        return "AgentRecordLayer[" + layer + ", TX " + placements.get(Direction.TX) + ", RX "
                + placements.get(Direction.RX) + "]";
    }
}
