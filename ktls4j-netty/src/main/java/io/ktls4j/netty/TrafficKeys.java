package io.ktls4j.netty;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.spi.TrafficSecrets;
import java.io.IOException;

/**
 * The key schedule of one connection after its handshake: the TLS 1.3 traffic secrets from which each KeyUpdate's
 * next key is derived (none for TLS 1.2), the record limit after which this end updates its own key (RFC 8446 §5.5,
 * as {@code KtlsConnection} does), and the KeyUpdate counts. Event-loop confined.
 */
final class TrafficKeys {
    private final TlsVersion version;
    private final long recordLimit;
    private TrafficSecrets secrets;
    private volatile long updatesSent; // written on the event loop, read anywhere
    private volatile long updatesReceived;

    /**
     * @param secrets the TLS 1.3 secrets (owned from here on), or null for TLS 1.2
     * @param configuredLimit {@code KtlsContext.keyUpdateAfterRecords()}: 0 for the cipher's default
     */
    TrafficKeys(TlsVersion version, CipherType cipher, TrafficSecrets secrets, long configuredLimit) {
        this.version = version;
        this.secrets = secrets;
        this.recordLimit = configuredLimit > 0 ? configuredLimit : defaultLimit(cipher);
    }

    /** RFC 8446 §5.5 with a margin: 2^24 records for AES-GCM (limit 2^24.5), 2^23 for AES-CCM, none for ChaCha20. */
    static long defaultLimit(CipherType cipher) {
        return switch (cipher) {
            case AES_CCM_128, SM4_CCM -> 1L << 23;
            case CHACHA20_POLY1305 -> Long.MAX_VALUE;
            default -> 1L << 24;
        };
    }

    boolean canUpdate() {
        return version == TlsVersion.TLS_1_3;
    }

    /** Records under one TX key after which this end sends a KeyUpdate (TLS 1.3). */
    long recordLimit() {
        return recordLimit;
    }

    /**
     * The record-layer state of {@code direction}'s next key; the caller installs and destroys it.
     *
     * @throws IllegalStateException for TLS 1.2, or once released
     */
    CryptoInfo next(Direction direction) throws IOException {
        if (secrets == null) {
            throw new IllegalStateException(version == TlsVersion.TLS_1_3 ? "the connection's secrets are released"
                    : "KeyUpdate exists only in TLS 1.3; this connection is " + version);
        }
        CryptoInfo next = secrets.advance(direction);
        if (direction == Direction.TX) {
            updatesSent++;
        } else {
            updatesReceived++;
        }
        return next;
    }

    long updatesSent() {
        return updatesSent;
    }

    long updatesReceived() {
        return updatesReceived;
    }

    /** Zeroes the secrets. Idempotent. */
    void release() {
        if (secrets != null) {
            secrets.destroy();
            secrets = null;
        }
    }
}
