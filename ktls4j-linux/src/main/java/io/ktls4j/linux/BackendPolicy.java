package io.ktls4j.linux;

/** Which backend {@link Ktls#attach} may use for each direction of a socket. */
public enum BackendPolicy {
    /**
     * The kernel for each direction whose first key it accepts; the software backend for a direction the kernel
     * refuses (no tls module, an unsupported version or cipher), as tls-offload.rst falls back from a NIC to the host.
     * A direction stays where its first key went: a later TLS 1.3 rekey the kernel cannot do (before 6.14) fails.
     */
    AUTO,
    /**
     * Like {@link #AUTO}, but a TLS 1.3 direction goes to the software backend when the kernel cannot rekey, so
     * KeyUpdates can be followed for the life of the connection.
     */
    AUTO_WITH_REKEY,
    /** The kernel for both directions, or a clear error ({@link io.ktls4j.KernelFeatureException}) when it refuses. */
    KERNEL_REQUIRED,
    /** The software backend for both directions; the kernel is not asked. */
    SOFTWARE
}
