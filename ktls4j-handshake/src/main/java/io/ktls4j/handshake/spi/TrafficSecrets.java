package io.ktls4j.handshake.spi;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.handshake.TlsCipherSuite;
import java.io.IOException;
import javax.security.auth.Destroyable;

/**
 * The TLS 1.3 application traffic secret chains of one end of a connection (RFC 8446 §7.2), per direction as this
 * end sees them (TX: what it sends): the next generation's secret, from which {@link #advance} derives the next
 * record-layer key. Taken out of a connection with {@link Handshakes#takeTrafficSecrets} by a process that keeps
 * them apart from the record layer (the handshake agent), or out of a {@link HandshakeEngine}. The secrets cannot be
 * read out; {@link #destroy()} zeroes them, and {@code toString()} shows only the suite and the generations.
 */
public interface TrafficSecrets extends Destroyable {

    TlsCipherSuite cipherSuite();

    /** How many KeyUpdates {@code direction} has gone through (0 right after the handshake). */
    long generation(Direction direction);

    /**
     * The record-layer state of {@code direction}'s next generation ({@code rec_seq} 0); the chain moves one step on.
     * The caller owns the result and should destroy it once installed.
     *
     * @throws IllegalStateException once destroyed
     */
    CryptoInfo advance(Direction direction) throws IOException;

    /** Zeroes both chains. */
    @Override
    void destroy();

    @Override
    boolean isDestroyed();
}
