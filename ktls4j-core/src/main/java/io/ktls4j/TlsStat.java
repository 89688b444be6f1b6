package io.ktls4j;

/**
 * The counters of {@code /proc/net/tls_stat}, by their kernel names and in the kernel's order. Linux 6.1 prints the
 * first twelve and the five rekey counters exist since 6.14.
 */
public enum TlsStat {
    TlsCurrTxSw, TlsCurrRxSw, TlsCurrTxDevice, TlsCurrRxDevice,
    TlsTxSw, TlsRxSw, TlsTxDevice, TlsRxDevice,
    TlsDecryptError, TlsRxDeviceResync, TlsDecryptRetry, TlsRxNoPadViolation,
    TlsRxRekeyOk, TlsRxRekeyError, TlsTxRekeyOk, TlsTxRekeyError, TlsRxRekeyReceived;

    /** The counter for a {@code tls_stat} line name, or {@code null} for a name this version does not know. */
    public static TlsStat byName(String name) {
        for (TlsStat s : values()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
