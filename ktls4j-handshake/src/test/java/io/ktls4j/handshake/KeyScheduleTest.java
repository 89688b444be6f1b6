package io.ktls4j.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.TlsVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.Test;

/** The TLS 1.3 key derivation that feeds TLS_TX/TLS_RX, against RFC 8448 and an independent HKDF (JDK HMAC). */
class KeyScheduleTest {
    private static final HexFormat HEX = HexFormat.of();
    private final BcTlsCrypto crypto = new BcTlsCrypto(new SecureRandom());

    @Test
    void rfc8448ServerApplicationKeys() throws Exception {
        // RFC 8448 §3: {server} derive secret "tls13 s ap traffic" and the write key and IV derived from it
        TlsSecret secret = crypto.createSecret(HEX.parseHex(
                "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"));
        CryptoInfo info = KeySchedule13.cryptoInfo(secret, CryptoHashAlgorithm.sha256, CipherType.AES_GCM_128, 0);
        assertThat(info.version()).isEqualTo(TlsVersion.TLS_1_3);
        assertThat(HEX.formatHex(info.key())).isEqualTo("9f02283b6c9c07efc26bb9f2ac92e356");
        assertThat(HEX.formatHex(info.salt()) + HEX.formatHex(info.iv())).isEqualTo("cf782b88dd83549aadf1e984");
        assertThat(info.recSeq()).isZero();
        assertThat(secret.isAlive()).as("the traffic secret is left intact").isTrue();
    }

    @Test
    void keyUpdateGenerationsFollowTrafficUpd() throws Exception {
        byte[] secret0 = new byte[48];
        new SecureRandom().nextBytes(secret0);
        TlsSecret bc = crypto.createSecret(secret0);
        KeySchedule13 schedule = new KeySchedule13(KeySchedule13.nextSecret(bc, CryptoHashAlgorithm.sha384, 48),
                CryptoHashAlgorithm.sha384, 48, CipherType.AES_GCM_256);
        byte[] secret = secret0;
        for (int generation = 1; generation <= 3; generation++) {
            secret = expandLabel("HmacSHA384", secret, "traffic upd", 48);
            CryptoInfo info = schedule.advance();
            assertThat(info.key()).isEqualTo(expandLabel("HmacSHA384", secret, "key", 32));
            byte[] iv = expandLabel("HmacSHA384", secret, "iv", 12);
            assertThat(info.salt()).isEqualTo(java.util.Arrays.copyOf(iv, 4));
            assertThat(info.iv()).isEqualTo(java.util.Arrays.copyOfRange(iv, 4, 12));
            assertThat(info.recSeq()).isZero();
            assertThat(schedule.generation()).isEqualTo(generation);
            info.destroy();
        }
        schedule.destroy();
    }

    @Test
    void chachaTakesTheWholeIvAsIv() throws Exception {
        TlsSecret s = crypto.createSecret(new byte[32]);
        CryptoInfo info = KeySchedule13.cryptoInfo(s, CryptoHashAlgorithm.sha256, CipherType.CHACHA20_POLY1305, 0);
        assertThat(info.salt()).isEmpty();
        assertThat(info.iv()).isEqualTo(expandLabel("HmacSHA256", new byte[32], "iv", 12));
    }

    /** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, written out with the JDK's HMAC. */
    static byte[] expandLabel(String mac, byte[] secret, String label, int length) throws Exception {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.write(length >> 8);
        info.write(length);
        byte[] full = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
        info.write(full.length);
        info.write(full);
        info.write(0);
        Mac hmac = Mac.getInstance(mac);
        hmac.init(new SecretKeySpec(secret, mac));
        ByteArrayOutputStream okm = new ByteArrayOutputStream();
        byte[] t = new byte[0];
        for (int i = 1; okm.size() < length; i++) {
            hmac.update(t);
            hmac.update(info.toByteArray());
            hmac.update((byte) i);
            t = hmac.doFinal();
            okm.write(t);
        }
        return java.util.Arrays.copyOf(okm.toByteArray(), length);
    }
}
