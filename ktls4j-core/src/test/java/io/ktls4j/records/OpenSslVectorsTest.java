package io.ktls4j.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.BadRecordException;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import io.ktls4j.records.OpenSslVectors.Case;
import io.ktls4j.records.OpenSslVectors.Kind;
import io.ktls4j.records.OpenSslVectors.Step;
import io.ktls4j.records.TestData.Buffers;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Records computed by OpenSSL with the kernel's framing (tools/vectors/gen-vectors.c), for every version × cipher
 * the kernel accepts and three crypto_infos each: {@link RecordCipher#seal} must write them byte for byte and
 * {@link RecordCipher#open} must read them back, over heap and direct buffers.
 */
class OpenSslVectorsTest {
    private static final List<Case> CASES = OpenSslVectors.load();

    static Stream<Arguments> cases() {
        return CASES.stream().flatMap(c -> Stream.of(Buffers.values()).map(b -> Arguments.of(c, b)));
    }

    @Test
    void vectors_cover_every_kernel_version_and_cipher_with_three_crypto_infos() {
        assertThat(CASES).hasSize(TestData.kernelPairs().size() * 3);
        for (Object[] pair : TestData.kernelPairs()) {
            assertThat(CASES).filteredOn(c -> c.version() == pair[0] && c.cipher() == pair[1])
                    .extracting(c -> c.name().substring(c.name().lastIndexOf('-') + 1))
                    .containsExactlyInAnyOrder("gen0", "gen1", "mixed");
        }
        assertThat(CASES).allSatisfy(c -> assertThat(c.steps()).filteredOn(s -> s.kind() == Kind.SEAL).hasSize(5));
        assertThat(CASES).flatExtracting(Case::steps).filteredOn(s -> s.kind() == Kind.SEAL)
                .extracting(s -> s.plaintext().length).contains(0, 1, 11, 16384);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void seal_writes_the_openssl_records(Case c, Buffers buffers) throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(c.info());
        int sealed = 0;
        for (Step step : c.steps()) {
            if (step.kind() != Kind.SEAL) {
                continue;
            }
            ByteBuffer plaintext = buffers.wrap(step.plaintext());
            ByteBuffer dst = buffers.allocate(step.record().length);
            int start = dst.position();
            tx.seal(RecordType.of(step.type()), plaintext, dst);
            assertThat(TestData.hex(TestData.written(dst, start)))
                    .as("%s record %d (type %d, %d bytes)", c, sealed, step.type(), step.plaintext().length)
                    .isEqualTo(TestData.hex(step.record()));
            assertThat(plaintext.hasRemaining()).as("plaintext consumed").isFalse();
            sealed++;
        }
        if (c.steps().stream().allMatch(s -> s.kind() == Kind.SEAL)) {
            assertLiveState(c, tx.snapshot());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void open_reads_the_openssl_records(Case c, Buffers buffers) throws KtlsException {
        RecordCipher rx = RecordCipher.forRx(c.info());
        int index = 0;
        for (Step step : c.steps()) {
            ByteBuffer record = buffers.wrap(step.record());
            ByteBuffer dst = buffers.allocate(step.record().length);
            int start = dst.position();
            String what = c + " record " + index++;
            if (step.kind() == Kind.REJECT) {
                long seq = rx.recSeq();
                assertThatThrownBy(() -> rx.open(record, dst)).as(what)
                        .isInstanceOf(BadRecordException.class)
                        .hasMessageContaining("no content type");
                assertThat(rx.recSeq()).as("a rejected record leaves rec_seq").isEqualTo(seq);
                assertThat(record.position()).as("a rejected record is not consumed").isEqualTo(3);
                continue;
            }
            Opened opened = rx.open(record, dst);
            assertThat(opened.type()).as(what).isEqualTo(RecordType.of(step.type()));
            assertThat(opened.length()).as(what).isEqualTo(step.plaintext().length);
            assertThat(opened.padded()).as(what).isEqualTo(step.pad() > 0);
            assertThat(TestData.hex(TestData.written(dst, start))).as(what).isEqualTo(TestData.hex(step.plaintext()));
            assertThat(record.hasRemaining()).as("record consumed").isFalse();
        }
        assertLiveState(c, rx.snapshot());
    }

    /** getsockopt(TLS_TX/RX) after the case: live rec_seq and iv field, key and salt as installed. */
    private static void assertLiveState(Case c, CryptoInfo live) {
        assertThat(TestData.hex(live.recSeqBytes())).as("%s live rec_seq", c).isEqualTo(TestData.hex(c.nextRecSeq()));
        assertThat(TestData.hex(live.iv())).as("%s live iv", c).isEqualTo(TestData.hex(c.nextIv()));
        assertThat(live.key()).isEqualTo(c.key());
        assertThat(live.salt()).isEqualTo(c.salt());
    }
}
