package io.ktls4j.handshake;

/** Whether a server asks for a client certificate (mutual TLS). */
public enum ClientAuth {
    /** No CertificateRequest is sent. */
    NONE,
    /** A certificate is requested; a client without one is accepted, one with a bad one is rejected. */
    OPTIONAL,
    /** A valid client certificate is required; without one the handshake fails (certificate_required in TLS 1.3). */
    REQUIRE
}
