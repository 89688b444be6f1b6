package io.ktls4j.handshake;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.RecordType;
import io.ktls4j.WouldBlockException;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import io.ktls4j.handshake.spi.TrafficSecrets;
import java.io.IOException;
import java.nio.ByteBuffer;

/** {@link PostHandshakeDuties} with the traffic secrets in this process: each next key is derived and installed here. */
final class InProcessDuties implements PostHandshakeDuties {
    private TrafficSecrets secrets; // null once taken

    InProcessDuties(TrafficSecrets secrets) {
        this.secrets = secrets;
    }

    /** Moves the secrets out; later KeyUpdates fail. Null when taken already. */
    synchronized TrafficSecrets take() {
        TrafficSecrets s = secrets;
        secrets = null;
        return s;
    }

    private synchronized TrafficSecrets secrets() {
        if (secrets == null) {
            throw new IllegalStateException("this connection's traffic secrets have been handed off "
                    + "(KtlsConnection.takeTrafficSecrets): it cannot change keys itself");
        }
        return secrets;
    }

    @Override
    public void updateTxKey(KtlsSocket socket, boolean requestPeerUpdate) throws IOException {
        socket.sendControl(RecordType.HANDSHAKE, ByteBuffer.wrap(PostHandshakeMessages.keyUpdate(requestPeerUpdate)));
        install(socket, Direction.TX, "sending a TLS 1.3 KeyUpdate");
    }

    @Override
    public boolean peerKeyUpdate(KtlsSocket socket, byte[] message, boolean mayAnswer) throws IOException {
        boolean requested = PostHandshakeMessages.parseKeyUpdate(message);
        install(socket, Direction.RX, "the peer sent a TLS 1.3 KeyUpdate");
        if (!requested || !mayAnswer) {
            return false;
        }
        try {
            updateTxKey(socket, false);
            return true;
        } catch (WouldBlockException e) {
            return false; // nothing was sent: the caller answers at its next write
        }
    }

    @Override
    public void sessionTicket(byte[] message) {
        // resumption is not offered: the connection counts the ticket, nothing is kept
    }

    @Override
    public void release() {
        TrafficSecrets s = take();
        if (s != null) {
            s.destroy();
        }
    }

    private void install(KtlsSocket socket, Direction direction, String what) throws IOException {
        CryptoInfo next = secrets().advance(direction);
        try {
            socket.install(direction, next);
        } catch (KernelFeatureException e) {
            throw e.withDetail(what + " and this record layer cannot install the next key; the connection cannot"
                    + " continue");
        } finally {
            next.destroy();
        }
    }

    @Override
    public String toString() {
        TrafficSecrets s;
        synchronized (this) {
            s = secrets;
        }
        return "InProcessDuties[" + (s == null ? "secrets handed off" : s) + "]";
    }
}
