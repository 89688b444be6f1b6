package io.ktls4j.records;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.TestData.Buffers;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hard-coded raw records of the kernel selftest fixture {@code zero_len} (TLS 1.2 AES_CCM_128, generation 0):
 * seal must produce each variant's record stream and open must read it back.
 */
class ZeroLenRecordsTest {
    record RawRec(long seqno, int type, byte[] plaintext, byte[] record) {}

    private static final Map<String, RawRec> RAW = load();

    private static Map<String, RawRec> load() {
        Map<String, RawRec> out = new LinkedHashMap<>();
        for (String line : TestData.resourceLines("kernel-zero-len-records.txt")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            String record = String.join("", Arrays.copyOfRange(f, 4, f.length));
            out.put(f[0], new RawRec(Long.parseLong(f[1]), Integer.parseInt(f[2]), TestData.hex(f[3]),
                    TestData.hex(record)));
        }
        return out;
    }

    private static CryptoInfo gen0() {
        return TestData.generation(TlsVersion.TLS_1_2, CipherType.AES_CCM_128, 0);
    }

    @ParameterizedTest(name = "zero_len.{0}")
    @CsvSource({
        "data_data_data,    id0_data_l11 id1_data_l11 id2_data_l11",
        "data_0ctrl_data,   id0_data_l11 id1_ctrl_l0  id2_data_l11",
        "0data_0data_0data, id0_data_l0  id1_data_l0  id2_data_l0",
        "0data_0data_ctrl,  id0_data_l0  id1_data_l0  id2_ctrl_l11",
        "0data_0data_0ctrl, id0_data_l0  id1_data_l0  id2_ctrl_l0",
        "0ctrl_0ctrl_0ctrl, id0_ctrl_l0  id1_ctrl_l0  id2_ctrl_l0",
        "0data_0data_data,  id0_data_l0  id1_data_l0  id2_data_l11",
        "data_0data_0data,  id0_data_l11 id1_data_l0  id2_data_l0",
    })
    void zero_len(String variant, String recs) throws KtlsException {
        for (Buffers buffers : Buffers.values()) {
            RecordCipher tx = RecordCipher.forTx(gen0());
            RecordCipher rx = RecordCipher.forRx(gen0());
            for (String id : recs.trim().split("\\s+")) {
                RawRec raw = RAW.get(id);
                assertThat(raw).as("raw_rec %s", id).isNotNull();
                assertThat(tx.recSeq()).isEqualTo(raw.seqno());

                ByteBuffer dst = buffers.allocate(raw.record().length);
                tx.seal(RecordType.of(raw.type()), buffers.wrap(raw.plaintext()), dst);
                assertThat(TestData.hex(TestData.written(dst, 3))).as("%s %s sealed", variant, id)
                        .isEqualTo(TestData.hex(raw.record()));

                ByteBuffer plain = buffers.allocate(raw.plaintext().length);
                Opened opened = rx.open(buffers.wrap(raw.record()), plain);
                assertThat(opened).as("%s %s opened", variant, id)
                        .isEqualTo(new Opened(RecordType.of(raw.type()), raw.plaintext().length, false));
                assertThat(TestData.written(plain, 3)).isEqualTo(raw.plaintext());
            }
            assertThat(tx.recSeq()).isEqualTo(3);
            assertThat(rx.recSeq()).isEqualTo(3);
        }
    }

    /** Every raw_rec on its own, from a crypto_info whose rec_seq and iv already stand at its sequence number. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Buffers.class)
    void each_raw_rec_at_its_sequence_number(Buffers buffers) throws KtlsException {
        assertThat(RAW).hasSize(10);
        for (Map.Entry<String, RawRec> e : RAW.entrySet()) {
            RawRec raw = e.getValue();
            byte[] seq = CryptoInfo.seqBytes(raw.seqno());
            CryptoInfo info = TestData.info(TlsVersion.TLS_1_2, CipherType.AES_CCM_128, new byte[16], seq,
                    new byte[4], seq);
            ByteBuffer dst = buffers.allocate(raw.record().length);
            RecordCipher.forTx(info).seal(RecordType.of(raw.type()), buffers.wrap(raw.plaintext()), dst);
            assertThat(TestData.written(dst, 3)).as(e.getKey()).isEqualTo(raw.record());

            ByteBuffer plain = buffers.allocate(16);
            assertThat(RecordCipher.forRx(info).open(buffers.wrap(raw.record()), plain).length())
                    .isEqualTo(raw.plaintext().length);
            assertThat(TestData.written(plain, 3)).as(e.getKey()).isEqualTo(raw.plaintext());
        }
    }
}
