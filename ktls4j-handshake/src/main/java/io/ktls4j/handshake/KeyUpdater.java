package io.ktls4j.handshake;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.locks.Lock;

/**
 * When to change TLS 1.3 keys (RFC 8446 §4.6.3): answers the peer's {@code update_requested}, sends our own KeyUpdate
 * on request and before the AEAD usage limits of RFC 8446 §5.5. How is the {@link PostHandshakeDuties}' part (in this
 * process, or in the handshake agent). TX methods must be called with the connection's write lock held.
 */
final class KeyUpdater {
    private final KtlsSocket socket;
    private final TlsVersion version;
    private final PostHandshakeDuties duties;
    private final long recordLimit;
    private final int maxPayload;
    private final boolean confirmWithLiveSeq;
    private long recordsUnderKey; // an upper estimate, checked against the live rec_seq before acting
    private volatile boolean responsePending;
    private volatile long updatesSent;
    private volatile long updatesReceived;

    /**
     * @param initialRecords records already sent under the first TX key
     * @param confirmWithLiveSeq whether the limit check may read the live {@code rec_seq} back from the record layer
     *     (which copies the TX key into this process: not for connections whose keys stay out of it)
     */
    KeyUpdater(KtlsSocket socket, TlsVersion version, CipherType cipher, PostHandshakeDuties duties,
            long configuredLimit, long initialRecords, boolean confirmWithLiveSeq) throws IOException {
        this.socket = socket;
        this.version = version;
        this.duties = duties;
        this.recordLimit = configuredLimit > 0 ? configuredLimit : defaultLimit(cipher);
        this.maxPayload = socket.txMaxPayloadLen();
        this.recordsUnderKey = initialRecords;
        this.confirmWithLiveSeq = confirmWithLiveSeq;
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
        duties.updateTxKey(socket, requestPeerUpdate);
        recordsUnderKey = 0;
        updatesSent++;
        event(Direction.TX, requestPeerUpdate);
    }

    private void event(Direction direction, boolean updateRequested) {
        KeyUpdateEvent e = new KeyUpdateEvent();
        if (e.shouldCommit()) {
            e.direction = direction.toString();
            e.backend = socket.backend(direction).name();
            e.updateRequested = updateRequested;
            e.commit();
        }
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
            if (confirmWithLiveSeq) {
                Optional<CryptoInfo> live = socket.cryptoInfo(Direction.TX);
                live.ifPresent(info -> recordsUnderKey = info.recSeq());
                live.ifPresent(CryptoInfo::destroy);
            }
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
     * The peer updated its key ({@code message}: its KeyUpdate): installs the next RX key, and answers
     * update_requested with our own KeyUpdate now if the write lock is free, else at the start of the next write (a
     * writer blocked on a full socket must not stall the reader, or two full-duplex peers could deadlock). Read lock
     * held.
     */
    void onPeerKeyUpdate(byte[] message, boolean updateRequested, Lock writeLock) throws IOException {
        boolean locked = updateRequested && writeLock.tryLock();
        try {
            boolean answered = duties.peerKeyUpdate(socket, message, locked);
            updatesReceived++;
            event(Direction.RX, updateRequested);
            if (answered) {
                recordsUnderKey = 0;
                updatesSent++;
                event(Direction.TX, false);
                responsePending = false;
            } else if (updateRequested) {
                responsePending = true;
            }
        } finally {
            if (locked) {
                writeLock.unlock();
            }
        }
    }

    /** Releases the duties (zeroes the secrets they hold). */
    void destroy() {
        duties.release();
    }
}
