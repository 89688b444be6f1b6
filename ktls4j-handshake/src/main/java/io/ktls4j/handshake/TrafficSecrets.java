package io.ktls4j.handshake;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import java.io.IOException;
import javax.security.auth.Destroyable;

/**
 * The TLS 1.3 application traffic secret chains of one end of a connection (RFC 8446 §7.2), per direction as this
 * end sees them (TX: what it sends): the next generation's secret, from which {@link #advance} derives the next
 * record-layer key. Taken out of a connection with {@link KtlsConnection#takeTrafficSecrets()} by a process that keeps
 * them apart from the record layer (the handshake agent). The secrets cannot be read out; {@link #destroy()} zeroes
 * them, and {@link #toString()} shows only the suite and the generations.
 */
public final class TrafficSecrets implements Destroyable {
    private final TlsCipherSuite suite;
    private final KeySchedule13 tx;
    private final KeySchedule13 rx;

    TrafficSecrets(TlsCipherSuite suite, KeySchedule13 tx, KeySchedule13 rx) {
        this.suite = suite;
        this.tx = tx;
        this.rx = rx;
    }

    public TlsCipherSuite cipherSuite() {
        return suite;
    }

    /** How many KeyUpdates {@code direction} has gone through (0 right after the handshake). */
    public long generation(Direction direction) {
        return schedule(direction).generation();
    }

    /**
     * The record-layer state of {@code direction}'s next generation ({@code rec_seq} 0); the chain moves one step on.
     * The caller owns the result and should destroy it once installed.
     *
     * @throws IllegalStateException once destroyed
     */
    public CryptoInfo advance(Direction direction) throws IOException {
        return schedule(direction).advance();
    }

    private KeySchedule13 schedule(Direction direction) {
        return direction == Direction.TX ? tx : rx;
    }

    /** Zeroes both chains. */
    @Override
    public void destroy() {
        tx.destroy();
        rx.destroy();
    }

    @Override
    public boolean isDestroyed() {
        return tx.isDestroyed() && rx.isDestroyed();
    }

    @Override
    public String toString() {
        return "TrafficSecrets[" + suite + ", TX generation " + tx.generation() + ", RX generation " + rx.generation()
                + (isDestroyed() ? ", destroyed" : "") + "]";
    }
}
