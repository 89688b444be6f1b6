package io.ktls4j;

/**
 * The counters of {@code /proc/net/tls_stat}, by their kernel names and in the kernel's order. Linux 6.1 prints the
 * first twelve and the five rekey counters exist since 6.14.
 */
public enum TlsStat {
    TlsCurrTxSw("TX sessions open now, encrypted by the host's CPU"),
    TlsCurrRxSw("RX sessions open now, decrypted by the host's CPU"),
    TlsCurrTxDevice("TX sessions open now, encrypted by the NIC"),
    TlsCurrRxDevice("RX sessions open now, decrypted by the NIC"),
    TlsTxSw("TX sessions opened with host crypto, in total"),
    TlsRxSw("RX sessions opened with host crypto, in total"),
    TlsTxDevice("TX sessions opened with NIC crypto, in total"),
    TlsRxDevice("RX sessions opened with NIC crypto, in total"),
    TlsDecryptError("records that failed to decrypt (bad authentication tag: corrupted or forged)"),
    TlsRxDeviceResync("RX resyncs sent to a NIC that lost track of the record stream"),
    TlsDecryptRetry("RX records decrypted twice: TLS_RX_EXPECT_NO_PAD guessed wrong (any record type)"),
    TlsRxNoPadViolation("data records decrypted twice: TLS_RX_EXPECT_NO_PAD guessed wrong"),
    TlsRxRekeyOk("RX keys updated after a KeyUpdate"),
    TlsRxRekeyError("RX key updates refused"),
    TlsTxRekeyOk("TX keys updated (KeyUpdate sent)"),
    TlsTxRekeyError("TX key updates refused"),
    TlsRxRekeyReceived("KeyUpdate messages received: RX waits for the new key");

    private final String meaning;

    TlsStat(String meaning) {
        this.meaning = meaning;
    }

    /**
     * What the counter counts, in one line (after the kernel's Documentation/networking/tls.rst, "Statistics"), for a
     * reader who does not know the name.
     */
    public String meaning() {
        return meaning;
    }

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
