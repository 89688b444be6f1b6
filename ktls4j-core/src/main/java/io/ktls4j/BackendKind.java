package io.ktls4j;

/**
 * What carries one direction of a socket, in the vocabulary of tls-offload.rst ({@code TLS_CONF_*}).
 */
public enum BackendKind {
    /** No key installed yet: bytes pass through ({@code TLS_CONF_BASE}). */
    NONE,
    /** The Linux kernel's software record layer ({@code TLS_CONF_SW}). */
    KERNEL_SW,
    /** The kernel with NIC crypto offload ({@code TLS_CONF_HW}). */
    KERNEL_HW,
    /** The kernel with full NIC record offload ({@code TLS_CONF_HW_RECORD}). */
    KERNEL_HW_RECORD,
    /** ktls4j's pure-Java record layer. */
    SOFTWARE;

    public boolean isKernel() {
        return this == KERNEL_SW || this == KERNEL_HW || this == KERNEL_HW_RECORD;
    }
}
