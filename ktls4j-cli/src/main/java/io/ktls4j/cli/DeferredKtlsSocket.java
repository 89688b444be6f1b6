package io.ktls4j.cli;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsChannel;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * A {@link KtlsSocket} whose backend is chosen at the first {@link #install}, when version and cipher are known;
 * every call is then delegated. Before that only {@link #channel()}, {@link #backend} and {@link #close()} work.
 */
final class DeferredKtlsSocket implements KtlsSocket {
    /** Picks and attaches the real socket for the first key. */
    @FunctionalInterface
    interface Chooser {
        KtlsSocket choose(SocketChannel channel, Direction direction, CryptoInfo info) throws IOException;
    }

    private final SocketChannel channel;
    private final Chooser chooser;
    private final KtlsChannel view = new KtlsChannel(this);
    private volatile KtlsSocket delegate;

    DeferredKtlsSocket(SocketChannel channel, Chooser chooser) {
        this.channel = channel;
        this.chooser = chooser;
    }

    private KtlsSocket d() throws IOException {
        KtlsSocket s = delegate;
        if (s == null) {
            throw new KtlsException(Errno.EINVAL, "no key installed yet: the backend is chosen at the first install");
        }
        return s;
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    @Override
    public BackendKind backend(Direction direction) {
        KtlsSocket s = delegate;
        return s == null ? BackendKind.NONE : s.backend(direction);
    }

    @Override
    public synchronized void install(Direction direction, CryptoInfo info) throws IOException {
        if (delegate == null) {
            delegate = chooser.choose(channel, direction, info);
        }
        delegate.install(direction, info);
    }

    @Override
    public Optional<CryptoInfo> cryptoInfo(Direction direction) throws IOException {
        KtlsSocket s = delegate;
        return s == null ? Optional.empty() : s.cryptoInfo(direction);
    }

    @Override
    public void setRxExpectNoPad(boolean expectNoPad) throws IOException {
        d().setRxExpectNoPad(expectNoPad);
    }

    @Override
    public boolean rxExpectNoPad() throws IOException {
        return d().rxExpectNoPad();
    }

    @Override
    public void setTxMaxPayloadLen(int maxPayloadLen) throws IOException {
        d().setTxMaxPayloadLen(maxPayloadLen);
    }

    @Override
    public int txMaxPayloadLen() throws IOException {
        return d().txMaxPayloadLen();
    }

    @Override
    public long send(ByteBuffer[] srcs, MsgFlag... flags) throws IOException {
        return d().send(srcs, flags);
    }

    @Override
    public int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException {
        return d().sendControl(type, data, flags);
    }

    @Override
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        return d().sendFile(file, position, count);
    }

    @Override
    public long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        return d().read(dsts, flags);
    }

    @Override
    public Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        return d().receive(dsts, flags);
    }

    @Override
    public boolean readable() throws IOException {
        return d().readable();
    }

    @Override
    public void shutdownOutput() throws IOException {
        d().shutdownOutput();
    }

    @Override
    public KtlsChannel asChannel() {
        return view;
    }

    @Override
    public void close() throws IOException {
        KtlsSocket s = delegate;
        if (s != null) {
            s.close();
        } else {
            channel.close();
        }
    }
}
