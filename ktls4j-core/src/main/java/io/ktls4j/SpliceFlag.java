package io.ktls4j;

/** The {@code splice(2)} flags, with their Linux values. */
public enum SpliceFlag {
    /** {@code SPLICE_F_MOVE}: a hint to move pages instead of copying; no effect on a socket (as in the kernel). */
    MOVE(0x1),
    /** {@code SPLICE_F_NONBLOCK}: do not block on the pipe, nor (into a pipe) on the socket's next record. */
    NONBLOCK(0x2),
    /** {@code SPLICE_F_MORE}: more data follows; into a kTLS socket it is {@code MSG_MORE} (the record stays open). */
    MORE(0x4),
    /** {@code SPLICE_F_GIFT}: a {@code vmsplice} hint; accepted and ignored by {@code splice}, as in the kernel. */
    GIFT(0x8);

    private final int bit;

    SpliceFlag(int bit) {
        this.bit = bit;
    }

    /** The Linux {@code SPLICE_F_*} bit. */
    public int bit() {
        return bit;
    }

    /** The Linux flags word for a set of flags. */
    public static int mask(SpliceFlag... flags) {
        int m = 0;
        for (SpliceFlag f : flags) {
            m |= f.bit;
        }
        return m;
    }

    public static boolean has(SpliceFlag[] flags, SpliceFlag flag) {
        for (SpliceFlag f : flags) {
            if (f == flag) {
                return true;
            }
        }
        return false;
    }
}
