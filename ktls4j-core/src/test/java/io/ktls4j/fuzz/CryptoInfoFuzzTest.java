package io.ktls4j.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;

/**
 * Fuzzes {@link CryptoInfo#fromBytes}, the parser of the kernel's {@code tls12_crypto_info_*} structs (what
 * {@code getsockopt(SOL_TLS, TLS_TX)} returns and the handshake agent's wire carries): any byte string either
 * parses into an info that writes back the same bytes, or is refused with EINVAL; nothing else, and the refusal
 * never quotes the bytes (they may be key material).
 */
class CryptoInfoFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void fromBytes(byte[] struct) {
        CryptoInfo info;
        try {
            info = CryptoInfo.fromBytes(struct);
        } catch (KtlsException e) {
            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            return;
        }
        try {
            assertThat(info.toBytes()).isEqualTo(struct);
            assertThat(info.toString()).doesNotContain(hex(struct));
        } finally {
            info.destroy();
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 4; i < Math.min(b.length, 12); i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb.length() < 8 ? "\u0000never" : sb.toString();
    }
}
