package io.ktls4j.conformance;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** The selftests' key material: {@code tls_crypto_info_init} and hand-built {@code crypto_info} structs. */
public final class Keys {
    private Keys() {
    }

    /**
     * {@code tls_crypto_info_init(version, cipher, &keys, generation)}: key, iv, salt and rec_seq all filled with
     * the byte {@code generation} (0 for the fixtures, 1 for the key after a KeyUpdate).
     */
    public static CryptoInfo generation(TlsVersion version, CipherType cipher, int generation) throws KtlsException {
        byte g = (byte) generation;
        byte[] key = filled(cipher.keySize(), g);
        byte[] iv = filled(cipher.ivSize(), g);
        byte[] salt = filled(cipher.saltSize(), g);
        byte[] seq = filled(CipherType.REC_SEQ_SIZE, g);
        try {
            return CryptoInfo.of(version, cipher, key, iv, salt, seq);
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(iv, (byte) 0);
            Arrays.fill(salt, (byte) 0);
        }
    }

    public static CryptoInfo generation(Variant v, int generation) throws KtlsException {
        return generation(v.version(), v.cipher(), generation);
    }

    /**
     * A raw {@code tls12_crypto_info_*} struct of {@code cipher}'s size, all zero but for the header's
     * {@code version} and {@code cipher_type} (which need not be valid numbers), in native byte order.
     */
    public static byte[] struct(int version, int cipherType, int structSize) {
        ByteBuffer b = ByteBuffer.allocate(structSize).order(ByteOrder.nativeOrder());
        b.putShort((short) version).putShort((short) cipherType);
        return b.array();
    }

    private static byte[] filled(int n, byte value) {
        byte[] a = new byte[n];
        Arrays.fill(a, value);
        return a;
    }
}
