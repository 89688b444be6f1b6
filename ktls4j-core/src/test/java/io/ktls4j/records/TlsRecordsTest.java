package io.ktls4j.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.BadRecordException;
import io.ktls4j.CipherType;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.TlsVersion;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link TlsRecords#parseHeader} against the kernel's {@code tls_rx_msg_size()}, and the overhead table. */
class TlsRecordsTest {

    static List<Object[]> pairs() {
        return TestData.kernelPairs();
    }

    private static ByteBuffer header(int type, int major, int minor, int length) {
        return ByteBuffer.wrap(new byte[] {(byte) type, (byte) major, (byte) minor, (byte) (length >>> 8), (byte) length});
    }

    @Test
    void overhead_per_version_and_cipher() {
        assertThat(TlsRecords.overhead(TlsVersion.TLS_1_2, CipherType.AES_GCM_128)).isEqualTo(24);
        assertThat(TlsRecords.overhead(TlsVersion.TLS_1_2, CipherType.AES_CCM_128)).isEqualTo(24);
        assertThat(TlsRecords.overhead(TlsVersion.TLS_1_2, CipherType.SM4_GCM)).isEqualTo(24);
        assertThat(TlsRecords.overhead(TlsVersion.TLS_1_2, CipherType.ARIA_GCM_256)).isEqualTo(24);
        assertThat(TlsRecords.overhead(TlsVersion.TLS_1_2, CipherType.CHACHA20_POLY1305)).isEqualTo(16);
        for (CipherType c : CipherType.values()) {
            assertThat(TlsRecords.overhead(TlsVersion.TLS_1_3, c)).as("TLS 1.3 %s", c).isEqualTo(17);
        }
    }

    /** Selftest tls_err.bad_rec: 64 bytes of 0x55 announce 0x5555 = 21845 bytes, far above the maximum. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void tls_err_bad_rec_garbage_header_is_emsgsize(TlsVersion v, CipherType c) {
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0x55);
        assertThatThrownBy(() -> TlsRecords.parseHeader(ByteBuffer.wrap(garbage), v, c))
                .isInstanceOf(RecordOverflowException.class)
                .satisfies(e -> assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EMSGSIZE))
                .hasMessageContaining("type 85")
                .hasMessageContaining("21845");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void longest_body_is_accepted_and_one_more_byte_is_emsgsize(TlsVersion v, CipherType c) throws KtlsException {
        int max = 16384 + TlsRecords.overhead(v, c);
        assertThat(TlsRecords.parseHeader(header(23, 3, 3, max), v, c)).isEqualTo(max);
        assertThatThrownBy(() -> TlsRecords.parseHeader(header(23, 3, 3, max + 1), v, c))
                .isInstanceOf(RecordOverflowException.class)
                .hasMessageContaining(String.valueOf(max + 1));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void shortest_body_is_the_cipher_overhead_and_one_less_is_ebadmsg(TlsVersion v, CipherType c)
            throws KtlsException {
        // tls_rx_msg_size's cipher_overhead: the tag, plus the explicit nonce for TLS 1.2 non-ChaCha; the TLS 1.3
        // inner type byte is not part of it (an empty TLS 1.3 plaintext fails later, at decryption)
        int min = 16 + (v == TlsVersion.TLS_1_2 && c != CipherType.CHACHA20_POLY1305 ? 8 : 0);
        assertThat(TlsRecords.parseHeader(header(22, 3, 3, min), v, c)).isEqualTo(min);
        assertThatThrownBy(() -> TlsRecords.parseHeader(header(22, 3, 3, min - 1), v, c))
                .isInstanceOf(BadRecordException.class)
                .satisfies(e -> assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EBADMSG))
                .hasMessageContaining("type 22")
                .hasMessageContaining(String.valueOf(min - 1));
        assertThatThrownBy(() -> TlsRecords.parseHeader(header(23, 3, 3, 0), v, c))
                .isInstanceOf(BadRecordException.class);
    }

    @Test
    void version_other_than_0303_is_einval_for_both_tls_versions() {
        for (TlsVersion v : TlsVersion.values()) {
            for (int[] version : new int[][] {{3, 4}, {3, 1}, {2, 3}, {0, 0}}) {
                assertThatThrownBy(() -> TlsRecords.parseHeader(header(23, version[0], version[1], 100), v,
                        CipherType.AES_GCM_128))
                        .isExactlyInstanceOf(KtlsException.class)
                        .satisfies(e -> assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EINVAL))
                        .hasMessageContaining("type 23")
                        .hasMessageContaining("100-byte");
            }
        }
    }

    @Test
    void length_checks_come_before_the_version_check_as_in_the_kernel() {
        TlsVersion v = TlsVersion.TLS_1_2;
        CipherType c = CipherType.AES_GCM_128;
        assertThatThrownBy(() -> TlsRecords.parseHeader(header(23, 9, 9, 20000), v, c))
                .isInstanceOf(RecordOverflowException.class);
        assertThatThrownBy(() -> TlsRecords.parseHeader(header(23, 9, 9, 3), v, c))
                .isInstanceOf(BadRecordException.class);
    }

    @Test
    void any_type_byte_is_accepted() throws KtlsException {
        for (int type : new int[] {0, 20, 21, 22, 23, 100, 255}) {
            assertThat(TlsRecords.parseHeader(header(type, 3, 3, 40), TlsVersion.TLS_1_3, CipherType.AES_GCM_128))
                    .isEqualTo(40);
        }
    }

    @Test
    void reads_at_position_and_does_not_consume() throws KtlsException {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.position(7);
        b.put(new byte[] {23, 3, 3, 0x01, 0x02}).position(7);
        assertThat(TlsRecords.parseHeader(b, TlsVersion.TLS_1_2, CipherType.CHACHA20_POLY1305)).isEqualTo(0x102);
        assertThat(b.position()).isEqualTo(7);
    }

    @Test
    void fewer_than_five_bytes_is_a_caller_error() {
        assertThatThrownBy(() -> TlsRecords.parseHeader(ByteBuffer.wrap(new byte[] {23, 3, 3, 0}),
                TlsVersion.TLS_1_2, CipherType.AES_GCM_128))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
