package io.ktls4j.agent;

/** Where the agent put one direction's keys (TX_PLACEMENT / RX_PLACEMENT). */
public enum Placement {
    /** Installed in the kernel ({@code TLS_TX}/{@code TLS_RX}); the consumer never sees the keys. */
    KERNEL(1),
    /** The kernel could not take them and the credential allows returning them: the reply carries the CryptoInfo. */
    SOFTWARE(2);

    private final int code;

    Placement(int code) {
        this.code = code;
    }

    /** The u8 on the wire. */
    public int code() {
        return code;
    }
}
