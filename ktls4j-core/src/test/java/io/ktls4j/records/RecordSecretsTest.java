package io.ktls4j.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Key material never shows in strings or exceptions, is copied in, and is zeroed by destroy(). */
class RecordSecretsTest {
    // distinctive bytes: any of them in a message would show up as one of the renderings below
    private static final byte[] KEY = HexFormat.of().parseHex("c0ffee11d00dfeedbeefcafe42a5a5a5");
    private static final byte[] IV = HexFormat.of().parseHex("9a8b7c6d5e4f3021");
    private static final byte[] SALT = HexFormat.of().parseHex("deadf00d");

    static List<Object[]> pairs() {
        return TestData.kernelPairs();
    }

    private static CryptoInfo distinctive(TlsVersion v, CipherType c) {
        return TestData.info(v, c, Arrays.copyOf(KEY, c.keySize()), Arrays.copyOf(IV, c.ivSize()),
                Arrays.copyOf(SALT, c.saltSize()), CryptoInfo.seqBytes(7));
    }

    private static void assertNoSecrets(String text) {
        for (byte[] secret : new byte[][] {KEY, IV, SALT}) {
            String hex = HexFormat.of().formatHex(secret);
            assertThat(text.toLowerCase()).doesNotContain(hex).doesNotContain(hex.substring(0, 8));
            assertThat(text).doesNotContain(Arrays.toString(secret));
            assertThat(text).doesNotContain(new String(secret, StandardCharsets.ISO_8859_1));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void to_string_and_every_error_message_are_free_of_key_material(TlsVersion v, CipherType c) throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(distinctive(v, c));
        RecordCipher rx = RecordCipher.forRx(distinctive(v, c));
        List<String> texts = new ArrayList<>(List.of(tx.toString(), rx.toString()));

        byte[] record = RecordCipherTest.seal(tx, RecordType.APPLICATION_DATA, new byte[40]);
        record[record.length - 2] ^= 1;
        texts.add(messageOf(() -> rx.open(ByteBuffer.wrap(record), ByteBuffer.allocate(100))));
        byte[] tooShort = {23, 3, 3, 0, 1, 0};
        texts.add(messageOf(() -> rx.open(ByteBuffer.wrap(tooShort), ByteBuffer.allocate(100))));
        texts.add(messageOf(() -> TlsRecords.parseHeader(ByteBuffer.wrap(new byte[] {1, 3, 3, 0x7f, 0}), v, c)));
        texts.add(messageOf(() -> TlsRecords.parseHeader(ByteBuffer.wrap(new byte[] {1, 3, 3, 0, 2}), v, c)));
        texts.add(messageOf(() -> TlsRecords.parseHeader(ByteBuffer.wrap(new byte[] {1, 9, 9, 0, 100}), v, c)));
        RecordCipher wrapped = RecordCipher.forTx(distinctive(v, c).withRecSeq(-1));
        texts.add(messageOf(() -> RecordCipherTest.seal(wrapped, RecordType.ALERT, new byte[2])));
        tx.destroy();
        texts.add(tx.toString());
        texts.add(messageOf(() -> RecordCipherTest.seal(tx, RecordType.ALERT, new byte[2])));

        assertThat(texts).hasSize(10).allSatisfy(t -> assertThat(t).isNotBlank());
        texts.forEach(RecordSecretsTest::assertNoSecrets);
    }

    private interface Failing {
        void run() throws Exception;
    }

    private static String messageOf(Failing f) {
        try {
            f.run();
        } catch (Exception e) {
            return e.toString();
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void destroy_zeroes_the_key_material_and_stops_the_cipher() throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(distinctive(TlsVersion.TLS_1_2, CipherType.AES_GCM_128));
        RecordCipherTest.seal(tx, RecordType.APPLICATION_DATA, new byte[5]);
        assertThat(tx.isZeroed()).isFalse();
        assertThat(tx.isDestroyed()).isFalse();

        tx.destroy();

        assertThat(tx.isDestroyed()).isTrue();
        assertThat(tx.isZeroed()).isTrue();
        assertThat(tx.toString()).contains("destroyed");
        assertThatThrownBy(() -> RecordCipherTest.seal(tx, RecordType.APPLICATION_DATA, new byte[5]))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tx::snapshot).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void destroy_zeroes_the_receive_side_and_its_scratch_too() throws KtlsException {
        CryptoInfo info = distinctive(TlsVersion.TLS_1_3, CipherType.AES_GCM_128);
        byte[] record = RecordCipherTest.seal(RecordCipher.forTx(info), RecordType.APPLICATION_DATA, new byte[9]);
        RecordCipher rx = RecordCipher.forRx(info);
        rx.open(ByteBuffer.wrap(record), ByteBuffer.allocate(9)); // the scratch path: dst has no room for the type
        rx.destroy();
        assertThat(rx.isZeroed()).isTrue();
        assertThatThrownBy(() -> rx.open(ByteBuffer.wrap(record), ByteBuffer.allocate(100)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void record_key_zeroes_its_bytes() {
        byte[] bytes = KEY.clone();
        RecordKey key = new RecordKey("AES", bytes);
        assertThat(key.getEncoded()).isEqualTo(KEY).isNotSameAs(bytes);
        key.destroy();
        assertThat(bytes).containsOnly(0);
        assertThat(key.isDestroyed()).isTrue();
        assertThat(key.toString()).doesNotContain("c0ffee");
        assertThatThrownBy(key::getEncoded).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void the_caller_may_destroy_the_crypto_info_after_installing_it() throws KtlsException {
        CryptoInfo info = distinctive(TlsVersion.TLS_1_2, CipherType.CHACHA20_POLY1305);
        RecordCipher tx = RecordCipher.forTx(info);
        RecordCipher reference = RecordCipher.forTx(info.copy());
        info.destroy();
        assertThat(info.isZeroed()).isTrue();
        byte[] plaintext = "after destroy".getBytes(StandardCharsets.US_ASCII);
        assertThat(RecordCipherTest.seal(tx, RecordType.APPLICATION_DATA, plaintext))
                .isEqualTo(RecordCipherTest.seal(reference, RecordType.APPLICATION_DATA, plaintext));
    }
}
