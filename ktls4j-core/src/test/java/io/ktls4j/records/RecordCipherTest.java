package io.ktls4j.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.BadRecordException;
import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.TestData.Buffers;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips, size rules and the state rules of {@link RecordCipher}: what changes on success and what does not. */
class RecordCipherTest {
    private static final Random RANDOM = new Random(0x6b746c73L);

    static List<Object[]> pairs() {
        return TestData.kernelPairs();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static byte[] seal(RecordCipher tx, RecordType type, byte[] plaintext) throws KtlsException {
        ByteBuffer dst = ByteBuffer.allocate(5 + plaintext.length + tx.overhead());
        tx.seal(type, ByteBuffer.wrap(plaintext), dst);
        assertThat(dst.hasRemaining()).isFalse();
        return dst.array();
    }

    static byte[] open(RecordCipher rx, byte[] record) throws KtlsException {
        ByteBuffer dst = ByteBuffer.allocate(record.length);
        Opened opened = rx.open(ByteBuffer.wrap(record), dst);
        return Arrays.copyOf(dst.array(), opened.length());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void every_cipher_round_trips_all_sizes_over_heap_and_direct_buffers(TlsVersion v, CipherType c)
            throws KtlsException {
        for (Buffers buffers : Buffers.values()) {
            RecordCipher tx = RecordCipher.forTx(TestData.generation(v, c, 1));
            RecordCipher rx = RecordCipher.forRx(TestData.generation(v, c, 1));
            for (int size : new int[] {0, 1, 15, 16, 17, 1024, 16383, 16384}) {
                byte[] plaintext = random(size);
                ByteBuffer record = buffers.allocate(5 + size + tx.overhead());
                tx.seal(RecordType.of(size % 3 == 0 ? 23 : 100), buffers.wrap(plaintext), record);
                assertThat(record.hasRemaining()).isFalse();
                record.position(3);
                assertThat(TlsRecords.parseHeader(record, v, c)).isEqualTo(size + tx.overhead());

                ByteBuffer dst = buffers.allocate(size);
                Opened opened = rx.open(record, dst);
                assertThat(opened).isEqualTo(new Opened(RecordType.of(size % 3 == 0 ? 23 : 100), size, false));
                assertThat(TestData.written(dst, 3)).isEqualTo(plaintext);
            }
            assertThat(rx.recSeq()).isEqualTo(tx.recSeq()).isEqualTo(0x0101010101010101L + 8);
        }
    }

    /** Plaintext and record buffers of every shape against every destination shape (the socket layer mixes them). */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void mixed_buffer_shapes_give_the_same_records(TlsVersion v, CipherType c) throws KtlsException {
        byte[] plaintext = random(3000);
        CryptoInfo info = TestData.generation(v, c, 1);
        byte[] reference = seal(RecordCipher.forTx(info), RecordType.HANDSHAKE, plaintext);
        for (Buffers in : Buffers.values()) {
            for (Buffers out : Buffers.values()) {
                ByteBuffer dst = out.allocate(reference.length);
                RecordCipher.forTx(info).seal(RecordType.HANDSHAKE, in.wrap(plaintext), dst);
                assertThat(TestData.written(dst, 3)).as("seal %s -> %s", in, out).isEqualTo(reference);

                ByteBuffer opened = out.allocate(plaintext.length);
                RecordCipher.forRx(info).open(in.wrap(reference), opened);
                assertThat(TestData.written(opened, 3)).as("open %s -> %s", in, out).isEqualTo(plaintext);
            }
        }
    }

    @Test
    void tls13_records_always_say_application_data_outside_and_carry_the_type_inside() throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(TestData.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0));
        byte[] record = seal(tx, RecordType.ALERT, new byte[] {1, 0});
        assertThat(Arrays.copyOf(record, 5)).isEqualTo(new byte[] {23, 3, 3, 0, 2 + 17});
        RecordCipher rx = RecordCipher.forRx(TestData.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0));
        assertThat(rx.open(ByteBuffer.wrap(record), ByteBuffer.allocate(2)).type()).isEqualTo(RecordType.ALERT);
    }

    // ---- tampering: EBADMSG, nothing consumed, state unchanged (selftests tls_err.bad_auth, bad_in_large_read)

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void tls_err_bad_auth_tampered_tag_is_ebadmsg_and_changes_nothing(TlsVersion v, CipherType c) throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(TestData.generation(v, c, 0));
        RecordCipher rx = RecordCipher.forRx(TestData.generation(v, c, 0));
        byte[] good = seal(tx, RecordType.APPLICATION_DATA, random(64));
        byte[] bad = good.clone();
        bad[bad.length - 1]++;

        assertRejectedWithoutEffect(rx, bad, "record 0");
        assertThat(open(rx, good)).hasSize(64);
        assertThat(rx.recSeq()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void tampered_ciphertext_is_ebadmsg(TlsVersion v, CipherType c) throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(TestData.generation(v, c, 0));
        RecordCipher rx = RecordCipher.forRx(TestData.generation(v, c, 0));
        byte[] good = seal(tx, RecordType.APPLICATION_DATA, random(100));
        byte[] bad = good.clone();
        bad[40] ^= 0x20;
        assertRejectedWithoutEffect(rx, bad, "failed authentication");
        assertThat(open(rx, good)).hasSize(100);
    }

    @Test
    void tls12_tampered_header_type_or_explicit_nonce_is_ebadmsg() throws KtlsException {
        CryptoInfo info = TestData.generation(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 0);
        RecordCipher tx = RecordCipher.forTx(info);
        RecordCipher rx = RecordCipher.forRx(info);
        byte[] good = seal(tx, RecordType.APPLICATION_DATA, random(30));
        byte[] type = good.clone();
        type[0] = 22; // the type is in the AAD
        assertRejectedWithoutEffect(rx, type, "record 0");
        byte[] nonce = good.clone();
        nonce[12] ^= 1; // the explicit nonce is the GCM nonce
        assertRejectedWithoutEffect(rx, nonce, "record 0");
        assertThat(open(rx, good)).hasSize(30);
    }

    @Test
    void tls13_tampered_length_is_ebadmsg() throws KtlsException {
        CryptoInfo info = TestData.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0);
        byte[] good = seal(RecordCipher.forTx(info), RecordType.APPLICATION_DATA, random(30));
        byte[] shorter = Arrays.copyOf(good, good.length - 1);
        shorter[4]--;
        assertRejectedWithoutEffect(RecordCipher.forRx(info), shorter, "failed authentication");
    }

    /**
     * Linux rebuilds the TLS 1.3 AAD as (23, 0x0303, length) instead of taking the received header, so the outer type
     * byte is not authenticated ({@code tls_make_aad()} in net/tls/tls.h). The software record layer keeps that
     * behaviour: the same bytes open on both backends.
     */
    @Test
    void tls13_outer_type_byte_is_not_authenticated_as_in_linux() throws KtlsException {
        CryptoInfo info = TestData.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0);
        byte[] record = seal(RecordCipher.forTx(info), RecordType.HANDSHAKE, "hello".getBytes());
        record[0] = 21;
        ByteBuffer dst = ByteBuffer.allocate(5);
        assertThat(RecordCipher.forRx(info).open(ByteBuffer.wrap(record), dst).type()).isEqualTo(RecordType.HANDSHAKE);
    }

    @Test
    void replayed_record_fails_because_rec_seq_moved_on() throws KtlsException {
        CryptoInfo info = TestData.generation(TlsVersion.TLS_1_2, CipherType.CHACHA20_POLY1305, 0);
        byte[] record = seal(RecordCipher.forTx(info), RecordType.APPLICATION_DATA, random(20));
        RecordCipher rx = RecordCipher.forRx(info);
        open(rx, record);
        assertRejectedWithoutEffect(rx, record, "record 1");
    }

    private static void assertRejectedWithoutEffect(RecordCipher rx, byte[] record, String messagePart) {
        long seq = rx.recSeq();
        CryptoInfo before = rx.snapshot();
        ByteBuffer in = ByteBuffer.wrap(record);
        ByteBuffer dst = ByteBuffer.allocate(record.length + 10);
        dst.position(4);
        assertThatThrownBy(() -> rx.open(in, dst))
                .isInstanceOf(BadRecordException.class)
                .satisfies(e -> assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EBADMSG))
                .hasMessageContaining(messagePart)
                .hasMessageContaining((record.length - 5) + "-byte body");
        assertThat(rx.recSeq()).isEqualTo(seq);
        assertThat(rx.snapshot().sameAs(before)).as("live crypto_info unchanged").isTrue();
        assertThat(in.position()).as("record not consumed").isZero();
        assertThat(dst.position()).as("dst position kept").isEqualTo(4);
        assertThat(dst.array()).as("no unauthenticated plaintext left in dst").containsOnly(0);
    }

    // ---- rec_seq wrap (selftest tls_basic.recseq_wrap)

    @Test
    void tls_basic_recseq_wrap_seal_is_ebadmsg_and_writes_nothing() throws KtlsException {
        byte[] ff = new byte[8];
        Arrays.fill(ff, (byte) 0xff);
        CryptoInfo info = TestData.info(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, new byte[16], new byte[8],
                new byte[4], ff);
        RecordCipher tx = RecordCipher.forTx(info);
        RecordCipher.forRx(info); // installing both directions succeeds, as setsockopt does

        ByteBuffer plaintext = ByteBuffer.wrap(random(10));
        ByteBuffer dst = ByteBuffer.allocate(100);
        assertThatThrownBy(() -> tx.seal(RecordType.APPLICATION_DATA, plaintext, dst))
                .isInstanceOf(BadRecordException.class)
                .satisfies(e -> assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EBADMSG))
                .hasMessageContaining("wrap");
        assertThat(dst.position()).isZero();
        assertThat(dst.array()).containsOnly(0);
        assertThat(plaintext.position()).isZero();
        assertThat(tx.recSeq()).isEqualTo(-1L);
    }

    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void the_last_sequence_number_before_the_wrap_is_still_used(TlsVersion v) throws KtlsException {
        CryptoInfo info = TestData.generation(v, CipherType.AES_GCM_128, 0).withRecSeq(0xFFFF_FFFF_FFFF_FFFEL);
        RecordCipher tx = RecordCipher.forTx(info);
        RecordCipher rx = RecordCipher.forRx(info);
        byte[] record = seal(tx, RecordType.APPLICATION_DATA, random(5));
        assertThat(Long.toUnsignedString(tx.recSeq())).isEqualTo("18446744073709551615");
        assertThatThrownBy(() -> seal(tx, RecordType.APPLICATION_DATA, random(5)))
                .isInstanceOf(BadRecordException.class);

        assertThat(open(rx, record)).hasSize(5);
        byte[] next = record.clone();
        assertThatThrownBy(() -> open(rx, next)).isInstanceOf(BadRecordException.class).hasMessageContaining("wrap");
    }

    // ---- getsockopt view

    @Test
    void snapshot_shows_live_rec_seq_and_the_live_tls12_explicit_nonce() throws KtlsException {
        CryptoInfo gen0 = TestData.generation(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 0);
        RecordCipher tx = RecordCipher.forTx(gen0);
        RecordCipher rx = RecordCipher.forRx(gen0);
        assertThat(tx.snapshot().sameAs(gen0)).as("before any record: the installed crypto_info").isTrue();
        for (int i = 0; i < 3; i++) {
            open(rx, seal(tx, RecordType.APPLICATION_DATA, random(7)));
        }
        byte[] three = CryptoInfo.seqBytes(3);
        CryptoInfo expected = TestData.info(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, new byte[16], three,
                new byte[4], three);
        assertThat(tx.snapshot().sameAs(expected)).as("TX: iv and rec_seq advanced").isTrue();
        assertThat(rx.snapshot().sameAs(expected)).as("RX advances the iv field too, as the kernel").isTrue();
    }

    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void snapshot_keeps_the_iv_field_for_xor_nonces(TlsVersion v) throws KtlsException {
        CipherType c = v == TlsVersion.TLS_1_2 ? CipherType.CHACHA20_POLY1305 : CipherType.AES_GCM_256;
        CryptoInfo gen1 = TestData.generation(v, c, 1);
        RecordCipher tx = RecordCipher.forTx(gen1);
        seal(tx, RecordType.APPLICATION_DATA, random(3));
        seal(tx, RecordType.APPLICATION_DATA, random(3));
        CryptoInfo live = tx.snapshot();
        assertThat(live.sameAs(gen1.withRecSeq(0x0101010101010101L + 2))).isTrue();
        live.destroy();
        assertThat(tx.snapshot().sameAs(gen1.withRecSeq(0x0101010101010101L + 2)))
                .as("the snapshot is a copy").isTrue();
    }

    // ---- sizes and arguments

    @Test
    void seal_refuses_more_than_16384_bytes_and_short_destinations_without_side_effects() throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(TestData.generation(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0));
        ByteBuffer big = ByteBuffer.allocate(16385);
        assertThatThrownBy(() -> tx.seal(RecordType.APPLICATION_DATA, big, ByteBuffer.allocate(20000)))
                .isInstanceOf(IllegalArgumentException.class);
        ByteBuffer plaintext = ByteBuffer.allocate(100);
        ByteBuffer dst = ByteBuffer.allocate(5 + 100 + 17 - 1);
        assertThatThrownBy(() -> tx.seal(RecordType.APPLICATION_DATA, plaintext, dst))
                .isInstanceOf(BufferOverflowException.class);
        assertThat(dst.position()).isZero();
        assertThat(plaintext.position()).isZero();
        assertThat(tx.recSeq()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Buffers.class)
    void tls13_open_fits_a_destination_of_exactly_body_minus_overhead(Buffers buffers) throws KtlsException {
        CryptoInfo info = TestData.generation(TlsVersion.TLS_1_3, CipherType.CHACHA20_POLY1305, 0);
        byte[] plaintext = random(16384);
        byte[] record = seal(RecordCipher.forTx(info), RecordType.APPLICATION_DATA, plaintext);
        RecordCipher rx = RecordCipher.forRx(info);
        ByteBuffer dst = buffers.allocate(record.length - 5 - rx.overhead());
        assertThat(rx.open(buffers.wrap(record), dst).length()).isEqualTo(16384);
        assertThat(dst.hasRemaining()).isFalse();
        assertThat(TestData.written(dst, 3)).isEqualTo(plaintext);

        byte[] second = seal(RecordCipher.forTx(info.withRecSeq(1)), RecordType.HANDSHAKE, plaintext);
        ByteBuffer small = buffers.allocate(16383);
        assertThatThrownBy(() -> rx.open(buffers.wrap(second), small)).isInstanceOf(BufferOverflowException.class);
        assertThat(rx.recSeq()).isEqualTo(1);
    }

    @Test
    void open_needs_exactly_one_whole_record() throws KtlsException {
        CryptoInfo info = TestData.generation(TlsVersion.TLS_1_2, CipherType.AES_CCM_128, 0);
        byte[] record = seal(RecordCipher.forTx(info), RecordType.APPLICATION_DATA, random(10));
        RecordCipher rx = RecordCipher.forRx(info);
        byte[] longer = Arrays.copyOf(record, record.length + 1);
        assertThatThrownBy(() -> rx.open(ByteBuffer.wrap(longer), ByteBuffer.allocate(100)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] huge = {23, 3, 3, (byte) 0xff, (byte) 0xff};
        ByteBuffer hugeRecord = ByteBuffer.allocate(5 + 0xffff).put(huge).rewind();
        assertThatThrownBy(() -> rx.open(hugeRecord, ByteBuffer.allocate(0x10000)))
                .isInstanceOf(RecordOverflowException.class);
        byte[] tiny = {23, 3, 3, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThatThrownBy(() -> rx.open(ByteBuffer.wrap(tiny), ByteBuffer.allocate(100)))
                .isInstanceOf(BadRecordException.class);
        assertThat(rx.recSeq()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = CipherType.class, names = {"ARIA_GCM_128", "ARIA_GCM_256"})
    void aria_with_tls13_is_einval_as_in_setsockopt(CipherType c) {
        CryptoInfo info = TestData.generation(TlsVersion.TLS_1_3, c, 0);
        assertThatThrownBy(() -> RecordCipher.forTx(info))
                .isInstanceOf(KtlsException.class)
                .satisfies(e -> assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> RecordCipher.forRx(info)).isInstanceOf(KtlsException.class);
    }

    @Test
    void accessors_describe_the_cipher() throws KtlsException {
        RecordCipher rx = RecordCipher.forRx(TestData.generation(TlsVersion.TLS_1_2, CipherType.SM4_CCM, 0)
                .withRecSeq(42));
        assertThat(rx.version()).isEqualTo(TlsVersion.TLS_1_2);
        assertThat(rx.cipher()).isEqualTo(CipherType.SM4_CCM);
        assertThat(rx.overhead()).isEqualTo(24);
        assertThat(rx.recSeq()).isEqualTo(42);
        assertThat(rx).hasToString("RecordCipher[TLS_RX, TLSv1.2, SM4_CCM, rec_seq=42]");
    }
}
