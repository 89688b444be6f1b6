package io.ktls4j.conformance;

import static io.ktls4j.CipherType.AES_CCM_128;
import static io.ktls4j.CipherType.AES_GCM_128;
import static io.ktls4j.CipherType.AES_GCM_256;
import static io.ktls4j.CipherType.ARIA_GCM_128;
import static io.ktls4j.CipherType.ARIA_GCM_256;
import static io.ktls4j.CipherType.CHACHA20_POLY1305;
import static io.ktls4j.CipherType.SM4_CCM;
import static io.ktls4j.CipherType.SM4_GCM;
import static io.ktls4j.TlsVersion.TLS_1_2;
import static io.ktls4j.TlsVersion.TLS_1_3;

import io.ktls4j.CipherType;
import io.ktls4j.TlsVersion;

/**
 * The 13 {@code FIXTURE_VARIANT_ADD(tls, …)} entries of tools/testing/selftests/net/tls.c, in the file's order.
 * {@link #toString()} is the kernel's variant name, so reports read "msg_more [13_aes_gcm]".
 */
public enum Variant {
    V12_AES_GCM("12_aes_gcm", TLS_1_2, AES_GCM_128, false),
    V13_AES_GCM("13_aes_gcm", TLS_1_3, AES_GCM_128, false),
    V12_CHACHA("12_chacha", TLS_1_2, CHACHA20_POLY1305, false),
    V13_CHACHA("13_chacha", TLS_1_3, CHACHA20_POLY1305, false),
    V13_SM4_GCM("13_sm4_gcm", TLS_1_3, SM4_GCM, false),
    V13_SM4_CCM("13_sm4_ccm", TLS_1_3, SM4_CCM, false),
    V12_AES_CCM("12_aes_ccm", TLS_1_2, AES_CCM_128, false),
    V13_AES_CCM("13_aes_ccm", TLS_1_3, AES_CCM_128, false),
    V12_AES_GCM_256("12_aes_gcm_256", TLS_1_2, AES_GCM_256, false),
    V13_AES_GCM_256("13_aes_gcm_256", TLS_1_3, AES_GCM_256, false),
    V13_NOPAD("13_nopad", TLS_1_3, AES_GCM_128, true),
    V12_ARIA_GCM("12_aria_gcm", TLS_1_2, ARIA_GCM_128, false),
    V12_ARIA_GCM_256("12_aria_gcm_256", TLS_1_2, ARIA_GCM_256, false);

    private final String kernelName;
    private final TlsVersion version;
    private final CipherType cipher;
    private final boolean nopad;

    Variant(String kernelName, TlsVersion version, CipherType cipher, boolean nopad) {
        this.kernelName = kernelName;
        this.version = version;
        this.cipher = cipher;
        this.nopad = nopad;
    }

    public String kernelName() {
        return kernelName;
    }

    public TlsVersion version() {
        return version;
    }

    public CipherType cipher() {
        return cipher;
    }

    /** True for {@code 13_nopad}: the RX side sets {@code TLS_RX_EXPECT_NO_PAD}. */
    public boolean nopad() {
        return nopad;
    }

    public boolean isTls13() {
        return version == TLS_1_3;
    }

    @Override
    public String toString() {
        return kernelName;
    }
}
