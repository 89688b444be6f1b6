package io.ktls4j.agent.wire;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * TX_CRYPTO_INFO / RX_CRYPTO_INFO (tags 0x0C, 0x0D) in replies that carry record keys for a consumer's software record
 * layer: writing them, parsing them, zeroing them. Plain loops, no method references: a consumer whose keys all went
 * to the kernel never even loads the CryptoInfo class, which the lab checks.
 */
final class KeyFields {
    static final int TX_CRYPTO_INFO = 0x0C;
    static final int RX_CRYPTO_INFO = 0x0D;

    private KeyFields() {
    }

    /** Appends a field per key; the temporary struct bytes are zeroed (the caller zeroes the frame). */
    static void encode(Wire.Builder b, Map<Direction, CryptoInfo> keys) {
        for (Direction d : Direction.values()) {
            CryptoInfo k = keys.get(d);
            if (k != null) {
                byte[] struct = k.toBytes();
                b.bytes(d == Direction.TX ? TX_CRYPTO_INFO : RX_CRYPTO_INFO, struct);
                Arrays.fill(struct, (byte) 0);
            }
        }
    }

    /** Parses one key field into {@code keys} (at most one per direction) and zeroes the field's bytes. */
    static void take(Wire.Field f, Map<Direction, CryptoInfo> keys) throws WireException {
        Direction d = f.tag() == TX_CRYPTO_INFO ? Direction.TX : Direction.RX;
        try {
            Wire.once(keys.get(d), f);
            keys.put(d, CryptoInfo.fromBytes(f.value()));
        } catch (KtlsException e) {
            throw Wire.bad(d + " crypto_info: " + e.getMessage());
        } finally {
            Arrays.fill(f.value(), (byte) 0);
        }
    }

    /**
     * Zeroes the bytes of every key field in {@code fields}: a reply refused before its key fields were parsed must
     * not leave their keys in the fields (the caller's zeroing of the body does not reach them: fields are copies).
     */
    static void wipe(List<Wire.Field> fields) {
        for (Wire.Field f : fields) {
            if (f.tag() == TX_CRYPTO_INFO || f.tag() == RX_CRYPTO_INFO) {
                Arrays.fill(f.value(), (byte) 0);
            }
        }
    }

    static void destroy(Map<Direction, CryptoInfo> keys) {
        for (CryptoInfo k : keys.values()) {
            k.destroy();
        }
    }

    static boolean isDestroyed(Map<Direction, CryptoInfo> keys) {
        for (CryptoInfo k : keys.values()) {
            if (!k.isDestroyed()) {
                return false;
            }
        }
        return true;
    }
}
