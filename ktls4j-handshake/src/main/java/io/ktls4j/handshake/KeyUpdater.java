package io.ktls4j.handshake;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * TLS 1.3 KeyUpdate (RFC 8446 §4.6.3) on top of the record layer: installs the next {@code TLS_RX} key when the peer
 * updates, answers {@code update_requested}, sends our own KeyUpdate on request and before the AEAD usage limits of
 * RFC 8446 §5.5. TX methods must be called with the connection's write lock held.
 */
final class KeyUpdater {
    private final KtlsSocket socket;
    private final TlsVersion version;
    private final KeySchedule13 txSchedule;
    private final KeySchedule13 rxSchedule;
    private final long recordLimit;
    private final int maxPayload;
    private long recordsUnderKey; // an upper estimate, checked against the live rec_seq before acting
    private volatile boolean responsePending;
    private volatile long updatesSent;
    private volatile long updatesReceived;

    KeyUpdater(KtlsSocket socket, SessionKeys keys, long configuredLimit) throws IOException {
        this.socket = socket;
        this.version = keys.version;
        this.txSchedule = keys.txSchedule;
        this.rxSchedule = keys.rxSchedule;
        this.recordLimit = configuredLimit > 0 ? configuredLimit : defaultLimit(keys.suite.cipher());
        this.maxPayload = socket.txMaxPayloadLen();
        this.recordsUnderKey = keys.tx().recSeq();
    }

    /** RFC 8446 §5.5 with a margin: 2^24.5 records for AES-GCM (we use 2^24), 2^23 for AES-CCM, none for ChaCha20. */
    static long defaultLimit(CipherType cipher) {
        return switch (cipher) {
            case AES_CCM_128, SM4_CCM -> 1L << 23;
            case CHACHA20_POLY1305 -> Long.MAX_VALUE;
            default -> 1L << 24;
        };
    }

    long recordLimit() {
        return recordLimit;
    }

    long updatesSent() {
        return updatesSent;
    }

    long updatesReceived() {
        return updatesReceived;
    }

    /** Sends KeyUpdate(request) under the current key, then installs the next TX key. Write lock held. */
    void sendKeyUpdate(boolean requestPeerUpdate) throws IOException {
        if (version != TlsVersion.TLS_1_3) {
            throw new IllegalStateException("KeyUpdate exists only in TLS 1.3; this connection is " + version);
        }
        socket.sendControl(RecordType.HANDSHAKE, ByteBuffer.wrap(HandshakeMessages.keyUpdate(requestPeerUpdate)));
        CryptoInfo next = txSchedule.advance();
        try {
            socket.install(Direction.TX, next);
        } catch (KernelFeatureException e) {
            throw rekeyUnsupported(e, "sending a TLS 1.3 KeyUpdate");
        } finally {
            next.destroy();
        }
        recordsUnderKey = 0;
        updatesSent++;
    }

    /**
     * Sends a KeyUpdate the peer asked for, if one is still owed. Returns false when it could not be sent without
     * blocking (then no application data may be sent yet). Write lock held.
     */
    boolean flushPendingResponse() throws IOException {
        if (!responsePending) {
            return true;
        }
        try {
            sendKeyUpdate(false);
        } catch (WouldBlockException e) {
            return false;
        }
        responsePending = false;
        return true;
    }

    /**
     * Called before writing {@code bytes} bytes: sends a KeyUpdate first when the records they make would take the
     * current key to its limit. Write lock held.
     */
    void beforeSend(long bytes) throws IOException {
        if (bytes <= 0 || version != TlsVersion.TLS_1_3) {
            return;
        }
        long records = (bytes + maxPayload - 1) / maxPayload;
        if (recordsUnderKey + records >= recordLimit) {
            Optional<CryptoInfo> live = socket.cryptoInfo(Direction.TX);
            live.ifPresent(info -> recordsUnderKey = info.recSeq());
            live.ifPresent(CryptoInfo::destroy);
            if (recordsUnderKey + records >= recordLimit) {
                sendKeyUpdate(false);
            }
        }
    }

    /** Counts the records written for {@code bytes} bytes (an upper estimate: one or more per send). */
    void afterSend(long bytes) {
        if (bytes > 0) {
            recordsUnderKey += (bytes + maxPayload - 1) / maxPayload;
        }
    }

    /**
     * The peer updated its key: installs the next RX key, then answers update_requested with our own KeyUpdate, now
     * if the write lock is free, else at the start of the next write (a writer blocked on a full socket must not
     * stall the reader, or two full-duplex peers could deadlock). Read lock held.
     */
    void onPeerKeyUpdate(boolean updateRequested, java.util.concurrent.locks.Lock writeLock) throws IOException {
        CryptoInfo next = rxSchedule.advance();
        try {
            socket.install(Direction.RX, next);
        } catch (KernelFeatureException e) {
            throw rekeyUnsupported(e, "the peer sent a TLS 1.3 KeyUpdate");
        } finally {
            next.destroy();
        }
        updatesReceived++;
        if (updateRequested) {
            responsePending = true;
            if (writeLock.tryLock()) {
                try {
                    flushPendingResponse();
                } finally {
                    writeLock.unlock();
                }
            }
        }
    }

    void destroy() {
        if (txSchedule != null) {
            txSchedule.destroy();
        }
        if (rxSchedule != null) {
            rxSchedule.destroy();
        }
    }

    private static KernelFeatureException rekeyUnsupported(KernelFeatureException e, String what) {
        KernelFeatureException k = new KernelFeatureException(e.errno(), e.feature(), e.sinceVersion(),
                what + " and this record layer cannot install the next key; the connection cannot continue");
        k.initCause(e);
        return k;
    }
}
