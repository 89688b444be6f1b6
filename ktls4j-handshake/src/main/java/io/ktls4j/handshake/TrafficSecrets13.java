package io.ktls4j.handshake;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import java.io.IOException;
import io.ktls4j.handshake.spi.TrafficSecrets;

/** {@link TrafficSecrets} as two {@link KeySchedule13} chains. */
final class TrafficSecrets13 implements TrafficSecrets {
    private final TlsCipherSuite suite;
    private final KeySchedule13 tx;
    private final KeySchedule13 rx;

    TrafficSecrets13(TlsCipherSuite suite, KeySchedule13 tx, KeySchedule13 rx) {
        this.suite = suite;
        this.tx = tx;
        this.rx = rx;
    }

    @Override
    public TlsCipherSuite cipherSuite() {
        return suite;
    }

    @Override
    public long generation(Direction direction) {
        return schedule(direction).generation();
    }

    @Override
    public CryptoInfo advance(Direction direction) throws IOException {
        return schedule(direction).advance();
    }

    private KeySchedule13 schedule(Direction direction) {
        return direction == Direction.TX ? tx : rx;
    }

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
