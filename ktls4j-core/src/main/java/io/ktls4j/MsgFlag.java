package io.ktls4j;

/** The {@code send}/{@code recv} flags the kernel record layer honours, with their Linux values. */
public enum MsgFlag {
    /**
     * {@code MSG_OOB}: TCP urgent data. Only a direction without keys passes it on; with a {@code TLS_TX} key the
     * send is EOPNOTSUPP, as in the kernel (records have no urgent data).
     */
    OOB(0x1),
    /** {@code MSG_PEEK}: return data without consuming it. */
    PEEK(0x2),
    /** {@code MSG_DONTWAIT}: do not block, even on a blocking socket. */
    DONTWAIT(0x40),
    /** {@code MSG_EOR}: close the open record with this send. */
    EOR(0x80),
    /** {@code MSG_WAITALL}: block until the whole buffer is filled (or a record type change, error or EOF). */
    WAITALL(0x100),
    /** {@code MSG_MORE}: keep the record open; more data follows. */
    MORE(0x8000);

    private final int bit;

    MsgFlag(int bit) {
        this.bit = bit;
    }

    /** The Linux {@code MSG_*} bit. */
    public int bit() {
        return bit;
    }

    /** The Linux flags word for a set of flags. */
    public static int mask(MsgFlag... flags) {
        int m = 0;
        for (MsgFlag f : flags) {
            m |= f.bit;
        }
        return m;
    }

    public static boolean has(MsgFlag[] flags, MsgFlag flag) {
        for (MsgFlag f : flags) {
            if (f == flag) {
                return true;
            }
        }
        return false;
    }
}
