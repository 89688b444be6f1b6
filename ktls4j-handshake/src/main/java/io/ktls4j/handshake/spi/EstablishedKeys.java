package io.ktls4j.handshake.spi;

import io.ktls4j.CryptoInfo;
import java.util.Optional;
import javax.security.auth.Destroyable;

/**
 * The record-layer state a completed handshake hands over: {@code TLS_TX} and {@code TLS_RX} as this end sees them,
 * and for TLS 1.3 the traffic secrets for later KeyUpdates. The holder owns all of it: {@link #destroy()} zeroes the
 * crypto infos and the secrets (take the secrets out first with {@link #takeSecrets()} to keep them).
 */
public interface EstablishedKeys extends Destroyable {

    CryptoInfo tx();

    CryptoInfo rx();

    /** The TLS 1.3 traffic secrets, moved out of this object (later calls: empty); empty for TLS 1.2. */
    Optional<TrafficSecrets> takeSecrets();

    @Override
    void destroy();
}
