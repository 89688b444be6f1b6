package io.ktls4j;

/**
 * The kernel's cipher numbers ({@code TLS_CIPHER_*} in {@code include/uapi/linux/tls.h}) with the sizes of the
 * matching {@code tls12_crypto_info_*} struct: {@code {u16 version; u16 cipher_type;} iv, key, salt, rec_seq}.
 */
public enum CipherType {
    AES_GCM_128(51, 16, 8, 4, "AES/GCM/NoPadding", "AES"),
    AES_GCM_256(52, 32, 8, 4, "AES/GCM/NoPadding", "AES"),
    AES_CCM_128(53, 16, 8, 4, "AES/CCM/NoPadding", "AES"),
    CHACHA20_POLY1305(54, 32, 12, 0, "ChaCha20-Poly1305", "ChaCha20"),
    SM4_GCM(55, 16, 8, 4, "SM4/GCM/NoPadding", "SM4"),
    SM4_CCM(56, 16, 8, 4, "SM4/CCM/NoPadding", "SM4"),
    ARIA_GCM_128(57, 16, 8, 4, "ARIA/GCM/NoPadding", "ARIA"),
    ARIA_GCM_256(58, 32, 8, 4, "ARIA/GCM/NoPadding", "ARIA");

    /** Size of the common {@code struct tls_crypto_info} header. */
    public static final int INFO_HEADER_SIZE = 4;
    /** AEAD tag size of every kernel cipher. */
    public static final int TAG_SIZE = 16;
    /** Size of {@code rec_seq}. */
    public static final int REC_SEQ_SIZE = 8;

    private final int id;
    private final int keySize;
    private final int ivSize;
    private final int saltSize;
    private final String transformation;
    private final String keyAlgorithm;

    CipherType(int id, int keySize, int ivSize, int saltSize, String transformation, String keyAlgorithm) {
        this.id = id;
        this.keySize = keySize;
        this.ivSize = ivSize;
        this.saltSize = saltSize;
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
    }

    /** The kernel's {@code TLS_CIPHER_*} number (51..58). */
    public int id() {
        return id;
    }

    public int keySize() {
        return keySize;
    }

    /** Size of the struct's {@code iv} field: 8, or 12 for ChaCha20-Poly1305. */
    public int ivSize() {
        return ivSize;
    }

    /** Size of the struct's {@code salt} field: 4, or 0 for ChaCha20-Poly1305. */
    public int saltSize() {
        return saltSize;
    }

    public int tagSize() {
        return TAG_SIZE;
    }

    /** Size of the whole {@code tls12_crypto_info_*} struct, the optlen of {@code TLS_TX}/{@code TLS_RX}. */
    public int structSize() {
        return INFO_HEADER_SIZE + ivSize + keySize + saltSize + REC_SEQ_SIZE;
    }

    /** True for the ciphers whose TLS 1.2 records carry an 8-byte explicit nonce (all but ChaCha20-Poly1305). */
    public boolean hasExplicitNonce() {
        return this != CHACHA20_POLY1305;
    }

    /** JCA transformation of the AEAD. */
    public String transformation() {
        return transformation;
    }

    /** JCA key algorithm name. */
    public String keyAlgorithm() {
        return keyAlgorithm;
    }

    /**
     * Returns the cipher for a kernel cipher number.
     *
     * @throws KtlsException with {@link Errno#EINVAL}, as {@code setsockopt(TLS_TX)} answers for an unknown cipher
     */
    public static CipherType of(int id) throws KtlsException {
        for (CipherType c : values()) {
            if (c.id == id) {
                return c;
            }
        }
        throw new KtlsException(Errno.EINVAL, "unknown cipher_type " + id + " (the kernel knows 51..58)");
    }
}
