package io.ktls4j.agent;

/** Where the agent put one direction's keys (TX_PLACEMENT / RX_PLACEMENT). */
public enum Placement {
    /** Installed in the kernel ({@code TLS_TX}/{@code TLS_RX}); the consumer never sees the keys. */
    KERNEL(1),
    /** The kernel could not take them and the credential allows returning them: the reply carries the CryptoInfo. */
    SOFTWARE(2);

    final int code;

    Placement(int code) {
        this.code = code;
    }

    static Placement of(int code) throws WireException {
        for (Placement p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw Wire.bad("a placement must be 1 (kernel) or 2 (software), got " + code);
    }
}
