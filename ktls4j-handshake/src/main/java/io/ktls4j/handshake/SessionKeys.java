package io.ktls4j.handshake;

import io.ktls4j.handshake.spi.TrafficSecrets;
import io.ktls4j.CryptoInfo;
import io.ktls4j.TlsVersion;

/**
 * What the handshake hands to the record layer: the {@code TLS_TX} and {@code TLS_RX} state of this end and, for TLS
 * 1.3, the traffic secrets for later KeyUpdates. Owned by whoever holds it; {@link #destroyInstalled()}
 * zeroes the crypto infos once they are installed, {@link #destroy()} zeroes everything.
 */
final class SessionKeys {
    final TlsVersion version;
    final TlsCipherSuite suite;
    private CryptoInfo tx;
    private final CryptoInfo rx;
    /** TLS 1.3: the secret chains for KeyUpdates; null for TLS 1.2. */
    final TrafficSecrets secrets;

    SessionKeys(TlsVersion version, TlsCipherSuite suite, CryptoInfo tx, CryptoInfo rx, TrafficSecrets secrets) {
        this.version = version;
        this.suite = suite;
        this.tx = tx;
        this.rx = rx;
        this.secrets = secrets;
    }

    CryptoInfo tx() {
        return tx;
    }

    CryptoInfo rx() {
        return rx;
    }

    /**
     * Moves TX on by {@code records} records that BouncyCastle itself wrote under the application keys after the
     * handshake completed (none in BouncyCastle 1.82, but counted rather than assumed).
     */
    void advanceTx(long records) {
        if (records > 0) {
            CryptoInfo moved = tx.withRecSeq(tx.recSeq() + records);
            tx.destroy();
            tx = moved;
        }
    }

    /** Zeroes the installed crypto infos; the key schedules stay for KeyUpdates. */
    void destroyInstalled() {
        tx.destroy();
        rx.destroy();
    }

    /** Zeroes everything. */
    void destroy() {
        destroyInstalled();
        if (secrets != null) {
            secrets.destroy();
        }
    }
}
