package io.ktls4j.sw;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsChannel;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.SpliceFlag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * The pure-Java record layer on a {@link SocketChannel}: the same contract and the same bytes on the wire as the
 * Linux kernel's {@code tls_sw}. Each direction is independent ({@link SoftwareTx}, {@link SoftwareRx}); until a
 * direction has keys its bytes pass through unchanged.
 */
public final class SoftwareKtlsSocket implements KtlsSocket {
    private final SocketChannel channel;
    private final SoftwareTx tx;
    private final SoftwareRx rx;
    private final KtlsChannel view;
    private volatile boolean closed;

    SoftwareKtlsSocket(SocketChannel channel) {
        this.channel = channel;
        RawIo io = new RawIo(channel);
        this.tx = new SoftwareTx(io);
        this.rx = new SoftwareRx(io);
        this.view = new KtlsChannel(this);
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    @Override
    public BackendKind backend(Direction direction) {
        boolean installed = direction == Direction.TX ? tx.installed() : rx.installed();
        return installed ? BackendKind.SOFTWARE : BackendKind.NONE;
    }

    @Override
    public void install(Direction direction, CryptoInfo info) throws IOException {
        ensureOpen();
        if (direction == Direction.TX) {
            tx.install(info);
        } else {
            rx.install(info);
        }
    }

    @Override
    public Optional<CryptoInfo> cryptoInfo(Direction direction) throws IOException {
        ensureOpen();
        return direction == Direction.TX ? tx.cryptoInfo() : rx.cryptoInfo();
    }

    @Override
    public void setRxExpectNoPad(boolean expectNoPad) throws IOException {
        ensureOpen();
        rx.setExpectNoPad(expectNoPad);
    }

    @Override
    public boolean rxExpectNoPad() throws IOException {
        ensureOpen();
        return rx.expectNoPad();
    }

    @Override
    public void setTxMaxPayloadLen(int maxPayloadLen) throws IOException {
        ensureOpen();
        tx.setMaxPayload(maxPayloadLen);
    }

    @Override
    public int txMaxPayloadLen() throws IOException {
        ensureOpen();
        return tx.maxPayload();
    }

    @Override
    public long send(ByteBuffer[] srcs, MsgFlag... flags) throws IOException {
        ensureOpen();
        if (MsgFlag.has(flags, MsgFlag.OOB)) {
            return tx.sendUrgent(srcs);
        }
        boolean more = MsgFlag.has(flags, MsgFlag.MORE) && !MsgFlag.has(flags, MsgFlag.EOR);
        return tx.send(srcs, more, MsgFlag.has(flags, MsgFlag.DONTWAIT));
    }

    @Override
    public int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException {
        ensureOpen();
        if (MsgFlag.has(flags, MsgFlag.MORE)) {
            throw new KtlsException(Errno.EINVAL, "MSG_MORE is not allowed with a control record (" + type + ")");
        }
        if (MsgFlag.has(flags, MsgFlag.OOB)) {
            throw new KtlsException(Errno.EOPNOTSUPP, "sendmsg(" + type + ", MSG_OOB): TLS records carry no urgent"
                    + " data; send the control record without MSG_OOB");
        }
        return tx.sendControl(type, data, MsgFlag.has(flags, MsgFlag.DONTWAIT));
    }

    @Override
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        ensureOpen();
        return tx.sendFile(file, position, count, false);
    }

    @Override
    public long spliceFrom(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException {
        ensureOpen();
        return tx.splice(pipe, len, SpliceFlag.has(flags, SpliceFlag.MORE), SpliceFlag.has(flags, SpliceFlag.NONBLOCK));
    }

    @Override
    public long spliceTo(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException {
        ensureOpen();
        return rx.splice(pipe, len, SpliceFlag.has(flags, SpliceFlag.NONBLOCK));
    }

    @Override
    public void setRcvLowat(int bytes) throws IOException {
        ensureOpen();
        rx.setLowat(bytes);
    }

    @Override
    public int rcvLowat() throws IOException {
        ensureOpen();
        return rx.lowat();
    }

    @Override
    public long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        return receive(dsts, false, flags).bytes();
    }

    @Override
    public Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        return receive(dsts, true, flags);
    }

    private Received receive(ByteBuffer[] dsts, boolean control, MsgFlag... flags) throws IOException {
        ensureOpen();
        return rx.receive(dsts, control, MsgFlag.has(flags, MsgFlag.PEEK), MsgFlag.has(flags, MsgFlag.WAITALL),
                MsgFlag.has(flags, MsgFlag.DONTWAIT));
    }

    @Override
    public boolean readable() throws IOException {
        ensureOpen();
        return rx.readable();
    }

    @Override
    public void shutdownOutput() throws IOException {
        tx.shutdown();
        channel.shutdownOutput();
    }

    /** For tests: record buffers the two directions hold now (0 when idle). */
    int buffersHeld() {
        return tx.buffersHeld() + rx.buffersHeld();
    }

    @Override
    public KtlsChannel asChannel() {
        return view;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // The channel first: a sender stuck on a peer that stopped reading (or a blocked reader) holds its
            // direction's lock inside a channel call, and only closing the channel makes it let go.
            channel.close();
        } finally {
            SoftwareBackend.detach(channel);
            tx.close();
            rx.close();
        }
    }

    private void ensureOpen() throws IOException {
        if (closed || !channel.isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "SoftwareKtlsSocket[" + channel + ", TX=" + backend(Direction.TX) + ", RX=" + backend(Direction.RX) + "]";
    }
}
