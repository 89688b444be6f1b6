package io.ktls4j.handshake;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsChannel;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsBackend;
import io.ktls4j.sw.SoftwareBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The software backend, recording every {@link CryptoInfo} handed to {@code install} (to check that the caller zeroes
 * them) and optionally failing installs the way a kernel without a feature does.
 */
final class RecordingBackend implements TlsBackend {
    /** Fails {@code install} for a direction; null means never. */
    interface InstallFault {
        IOException on(Direction direction, CryptoInfo info, int installNumber);
    }

    final List<CryptoInfo> installed = new CopyOnWriteArrayList<>();
    final List<KtlsSocket> sockets = new CopyOnWriteArrayList<>();
    private final TlsBackend delegate = new SoftwareBackend();
    private final InstallFault fault;

    RecordingBackend(InstallFault fault) {
        this.fault = fault;
    }

    RecordingBackend() {
        this(null);
    }

    @Override
    public String name() {
        return "recording-software";
    }

    @Override
    public KtlsSocket attach(SocketChannel channel) throws IOException {
        KtlsSocket s = new Recording(delegate.attach(channel));
        sockets.add(s);
        return s;
    }

    private final class Recording implements KtlsSocket {
        private final KtlsSocket d;
        private int installs;

        Recording(KtlsSocket d) {
            this.d = d;
        }

        @Override
        public SocketChannel channel() {
            return d.channel();
        }

        @Override
        public BackendKind backend(Direction direction) {
            return d.backend(direction);
        }

        @Override
        public void install(Direction direction, CryptoInfo info) throws IOException {
            installed.add(info);
            installs++;
            IOException e = fault == null ? null : fault.on(direction, info, installs);
            if (e != null) {
                throw e;
            }
            d.install(direction, info);
        }

        @Override
        public Optional<CryptoInfo> cryptoInfo(Direction direction) throws IOException {
            return d.cryptoInfo(direction);
        }

        @Override
        public void setRxExpectNoPad(boolean expectNoPad) throws IOException {
            d.setRxExpectNoPad(expectNoPad);
        }

        @Override
        public boolean rxExpectNoPad() throws IOException {
            return d.rxExpectNoPad();
        }

        @Override
        public void setTxMaxPayloadLen(int maxPayloadLen) throws IOException {
            d.setTxMaxPayloadLen(maxPayloadLen);
        }

        @Override
        public int txMaxPayloadLen() throws IOException {
            return d.txMaxPayloadLen();
        }

        @Override
        public long send(ByteBuffer[] srcs, MsgFlag... flags) throws IOException {
            return d.send(srcs, flags);
        }

        @Override
        public int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException {
            return d.sendControl(type, data, flags);
        }

        @Override
        public long sendFile(FileChannel file, long position, long count) throws IOException {
            return d.sendFile(file, position, count);
        }

        @Override
        public long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
            return d.read(dsts, flags);
        }

        @Override
        public Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
            return d.receive(dsts, flags);
        }

        @Override
        public boolean readable() throws IOException {
            return d.readable();
        }

        @Override
        public void shutdownOutput() throws IOException {
            d.shutdownOutput();
        }

        @Override
        public KtlsChannel asChannel() {
            return new KtlsChannel(this);
        }

        @Override
        public void close() throws IOException {
            d.close();
        }
    }
}
