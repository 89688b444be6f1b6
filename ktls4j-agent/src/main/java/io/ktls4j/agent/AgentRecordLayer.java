package io.ktls4j.agent;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsChannel;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The consumer's record layer after an agent handshake: ktls4j-linux's socket over the consumer's descriptor, which
 * carries every call, plus where the agent put each direction's keys. It differs in one answer: a direction the agent
 * installed in the kernel, which the kernel socket cannot confirm (sock_diag needs CAP_NET_ADMIN, and this process
 * installed nothing), is reported as {@link BackendKind#KERNEL_SW} rather than {@link BackendKind#NONE}.
 */
final class AgentRecordLayer implements KtlsSocket {
    private final KtlsSocket layer;
    private final Map<Direction, Placement> placements;

    AgentRecordLayer(KtlsSocket layer, Map<Direction, Placement> placements) {
        this.layer = layer;
        this.placements = new EnumMap<>(placements);
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
    public SocketChannel channel() {
        return layer.channel();
    }

    @Override
    public void install(Direction direction, CryptoInfo info) throws IOException {
        layer.install(direction, info);
    }

    @Override
    public Optional<CryptoInfo> cryptoInfo(Direction direction) throws IOException {
        return layer.cryptoInfo(direction);
    }

    @Override
    public void setRxExpectNoPad(boolean expectNoPad) throws IOException {
        layer.setRxExpectNoPad(expectNoPad);
    }

    @Override
    public boolean rxExpectNoPad() throws IOException {
        return layer.rxExpectNoPad();
    }

    @Override
    public void setTxMaxPayloadLen(int maxPayloadLen) throws IOException {
        layer.setTxMaxPayloadLen(maxPayloadLen);
    }

    @Override
    public int txMaxPayloadLen() throws IOException {
        return layer.txMaxPayloadLen();
    }

    @Override
    public long send(ByteBuffer[] srcs, MsgFlag... flags) throws IOException {
        return layer.send(srcs, flags);
    }

    @Override
    public int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException {
        return layer.sendControl(type, data, flags);
    }

    @Override
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        return layer.sendFile(file, position, count);
    }

    @Override
    public long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        return layer.read(dsts, flags);
    }

    @Override
    public Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        return layer.receive(dsts, flags);
    }

    @Override
    public boolean readable() throws IOException {
        return layer.readable();
    }

    @Override
    public void shutdownOutput() throws IOException {
        layer.shutdownOutput();
    }

    @Override
    public KtlsChannel asChannel() {
        return layer.asChannel();
    }

    @Override
    public void close() throws IOException {
        layer.close();
    }

    @Override
    public String toString() {
        return "AgentRecordLayer[" + layer + ", TX " + placements.get(Direction.TX) + ", RX "
                + placements.get(Direction.RX) + "]";
    }
}
