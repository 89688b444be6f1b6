package io.ktls4j.handshake;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.ForwardingKtlsSocket;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsBackend;
import io.ktls4j.sw.SoftwareBackend;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;
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

    private final class Recording extends ForwardingKtlsSocket {
        private final KtlsSocket d;
        private int installs;

        Recording(KtlsSocket d) {
            this.d = d;
        }

        @Override
        protected KtlsSocket delegate(Direction direction) {
            return d;
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
    }
}
