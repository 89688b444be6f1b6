package io.ktls4j;

/** A direction of the record layer, named after its socket option. */
public enum Direction {
    /** {@code TLS_TX} (optname 1): records this end writes. */
    TX(1),
    /** {@code TLS_RX} (optname 2): records this end reads. */
    RX(2);

    private final int optname;

    Direction(int optname) {
        this.optname = optname;
    }

    /** The {@code SOL_TLS} option name. */
    public int optname() {
        return optname;
    }

    @Override
    public String toString() {
        return this == TX ? "TLS_TX" : "TLS_RX";
    }
}
