package io.ktls4j.netty;

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
     * @param recordLimit records under one TX key before a KeyUpdate ({@code Handshakes.keyUpdateRecordLimit})
     */
    TrafficKeys(TlsVersion version, TrafficSecrets secrets, long recordLimit) {
        this.version = version;
        this.secrets = secrets;
        this.recordLimit = recordLimit;
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
