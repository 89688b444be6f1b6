package io.ktls4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * A {@link KtlsSocket} that forwards every call to another one, chosen per direction: TX calls (sends, splices into
 * the socket, TX keys and options, {@code shutdownOutput}) to {@link #delegate delegate(TX)}, RX calls (reads, splices
 * out of the socket, RX keys and options, {@code SO_RCVLOWAT}, {@code readable}) to {@code delegate(RX)}. A decorator overrides only the calls it changes; a socket whose
 * directions run on different backends returns a different delegate per direction.
 */
public abstract class ForwardingKtlsSocket implements KtlsSocket {

    protected ForwardingKtlsSocket() {
    }

    /** The socket that carries {@code direction}'s calls now. */
    protected abstract KtlsSocket delegate(Direction direction);

    @Override
    public SocketChannel channel() {
        return delegate(Direction.TX).channel();
    }

    @Override
    public BackendKind backend(Direction direction) {
        return delegate(direction).backend(direction);
    }

    @Override
    public void install(Direction direction, CryptoInfo info) throws IOException {
        delegate(direction).install(direction, info);
    }

    @Override
    public Optional<CryptoInfo> cryptoInfo(Direction direction) throws IOException {
        return delegate(direction).cryptoInfo(direction);
    }

    @Override
    public void setRxExpectNoPad(boolean expectNoPad) throws IOException {
        delegate(Direction.RX).setRxExpectNoPad(expectNoPad);
    }

    @Override
    public boolean rxExpectNoPad() throws IOException {
        return delegate(Direction.RX).rxExpectNoPad();
    }

    @Override
    public void setTxMaxPayloadLen(int maxPayloadLen) throws IOException {
        delegate(Direction.TX).setTxMaxPayloadLen(maxPayloadLen);
    }

    @Override
    public int txMaxPayloadLen() throws IOException {
        return delegate(Direction.TX).txMaxPayloadLen();
    }

    @Override
    public long send(ByteBuffer[] srcs, MsgFlag... flags) throws IOException {
        return delegate(Direction.TX).send(srcs, flags);
    }

    @Override
    public int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException {
        return delegate(Direction.TX).sendControl(type, data, flags);
    }

    @Override
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        return delegate(Direction.TX).sendFile(file, position, count);
    }

    @Override
    public long spliceFrom(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException {
        return delegate(Direction.TX).spliceFrom(pipe, len, flags);
    }

    @Override
    public long spliceTo(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException {
        return delegate(Direction.RX).spliceTo(pipe, len, flags);
    }

    @Override
    public void setRcvLowat(int bytes) throws IOException {
        delegate(Direction.RX).setRcvLowat(bytes);
    }

    @Override
    public int rcvLowat() throws IOException {
        return delegate(Direction.RX).rcvLowat();
    }

    @Override
    public long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        return delegate(Direction.RX).read(dsts, flags);
    }

    @Override
    public Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        return delegate(Direction.RX).receive(dsts, flags);
    }

    @Override
    public boolean readable() throws IOException {
        return delegate(Direction.RX).readable();
    }

    @Override
    public void shutdownOutput() throws IOException {
        delegate(Direction.TX).shutdownOutput();
    }

    /** A channel view of this socket (so its reads and writes pass through this forwarder). */
    @Override
    public KtlsChannel asChannel() {
        return new KtlsChannel(this);
    }

    /** Closes the TX delegate and, when it is another socket, the RX delegate. */
    @Override
    public void close() throws IOException {
        KtlsSocket tx = delegate(Direction.TX);
        KtlsSocket rx = delegate(Direction.RX);
        try {
            tx.close();
        } finally {
            if (rx != tx) {
                rx.close();
            }
        }
    }
}
