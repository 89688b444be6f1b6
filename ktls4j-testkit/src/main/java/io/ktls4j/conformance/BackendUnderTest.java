package io.ktls4j.conformance;

import io.ktls4j.CipherType;
import io.ktls4j.TlsBackend;
import io.ktls4j.TlsVersion;

/**
 * A backend as the conformance cases see it: the backend itself plus what it claims to support. A claim of "not
 * supported" is not a free pass: the cases assert that the backend reports the missing feature (a
 * {@link io.ktls4j.KernelFeatureException} naming it), and only version × cipher combinations it does not support
 * are skipped.
 */
public interface BackendUnderTest {

    /** A short name for test reports ("software", "kernel 6.1"). */
    String name();

    /** The backend under test; may be called once per case. */
    TlsBackend backend();

    /** True when the backend can install keys of this version and cipher in both directions. */
    boolean supports(TlsVersion version, CipherType cipher);

    /** True when a TLS 1.3 socket accepts new keys after a KeyUpdate (Linux 6.14+). */
    boolean supportsRekey();

    /** True when {@code TLS_TX_MAX_PAYLOAD_LEN} can be set (Linux 6.19+). */
    boolean supportsTxMaxPayloadLen();
}
