package io.ktls4j.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.CCMBlockCipher;
import org.bouncycastle.crypto.modes.CCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checks the transcription of the kernel's {@code raw_rec} vectors independently of any backend: each opens under
 * the all-zero AES-CCM-128 key with TLS 1.2's nonce (salt ‖ explicit nonce) and additional data
 * (seq ‖ type ‖ version ‖ length) to its stated plaintext.
 */
class RawRecordsTest {

    @ParameterizedTest
    @EnumSource(RawRecords.class)
    void vector_opens_to_its_plaintext(RawRecords r) throws Exception {
        byte[] rec = r.cipher();
        int len = ((rec[3] & 0xff) << 8) | (rec[4] & 0xff);
        assertThat(rec).hasSize(5 + len);
        byte[] explicitNonce = Arrays.copyOfRange(rec, 5, 13);
        byte[] nonce = Bytes.concat(new byte[4], explicitNonce);
        int plainLen = len - 8 - 16;
        byte[] aad = ByteBuffer.allocate(13).put(explicitNonce).put(rec[0]).put((byte) 3).put((byte) 3)
                .putShort((short) plainLen).array();
        CCMModeCipher ccm = CCMBlockCipher.newInstance(AESEngine.newInstance());
        ccm.init(false, new AEADParameters(new KeyParameter(new byte[16]), 128, nonce, aad));
        byte[] out = new byte[ccm.getOutputSize(len - 8)];
        int n = ccm.processBytes(rec, 13, len - 8, out, 0);
        n += ccm.doFinal(out, n);
        assertThat(Arrays.copyOf(out, n)).isEqualTo(r.plain());
    }
}
