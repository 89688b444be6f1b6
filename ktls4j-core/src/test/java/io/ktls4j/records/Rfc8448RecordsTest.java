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
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Known answers from RFC 8448 section 3 (TLS 1.3, TLS_AES_128_GCM_SHA256): the RFC's traffic keys and IVs go in
 * as they are, and the protected records must come out byte for byte (and open back).
 */
class Rfc8448RecordsTest {
    private static final Map<String, byte[]> RFC = load();

    private static Map<String, byte[]> load() {
        Map<String, StringBuilder> text = new LinkedHashMap<>();
        String current = null;
        for (String line : TestData.resourceLines("rfc8448-simple-1rtt.txt")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                text.get(current).append(line);
            } else {
                int colon = line.indexOf(':');
                current = line.substring(0, colon);
                text.put(current, new StringBuilder(line.substring(colon + 1)));
            }
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        text.forEach((k, v) -> out.put(k, TestData.hex(v.toString())));
        return out;
    }

    private static byte[] rfc(String name) {
        byte[] v = RFC.get(name);
        assertThat(v).as("RFC 8448 value %s in the resource", name).isNotNull();
        return v;
    }

    private static CryptoInfo keys(String prefix, long seq) throws KtlsException {
        return CryptoInfo.fromWriteIv(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, rfc(prefix + "_key"),
                rfc(prefix + "_iv"), seq);
    }

    private static byte[] seal(RecordCipher tx, RecordType type, byte[] payload, Buffers buffers) throws KtlsException {
        ByteBuffer dst = buffers.allocate(5 + payload.length + tx.overhead());
        int start = dst.position();
        tx.seal(type, buffers.wrap(payload), dst);
        assertThat(dst.hasRemaining()).as("seal fills exactly header + body").isFalse();
        return TestData.written(dst, start);
    }

    private static byte[] open(RecordCipher rx, byte[] record, RecordType expectedType, Buffers buffers)
            throws KtlsException {
        ByteBuffer dst = buffers.allocate(record.length);
        int start = dst.position();
        Opened opened = rx.open(buffers.wrap(record), dst);
        assertThat(opened.type()).isEqualTo(expectedType);
        assertThat(opened.padded()).as("RFC 8448 records carry no padding").isFalse();
        assertThat(opened.length()).isEqualTo(dst.position() - start);
        return TestData.written(dst, start);
    }

    @ParameterizedTest
    @EnumSource(Buffers.class)
    void client_finished_under_the_client_handshake_keys(Buffers buffers) throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(keys("client_hs", 0));
        RecordCipher rx = RecordCipher.forRx(keys("client_hs", 0));

        assertThat(seal(tx, RecordType.HANDSHAKE, rfc("client_finished_payload"), buffers))
                .isEqualTo(rfc("client_finished_record"));
        assertThat(open(rx, rfc("client_finished_record"), RecordType.HANDSHAKE, buffers))
                .isEqualTo(rfc("client_finished_payload"));
    }

    @ParameterizedTest
    @EnumSource(Buffers.class)
    void client_application_data_then_close_notify(Buffers buffers) throws KtlsException {
        RecordCipher tx = RecordCipher.forTx(keys("client_app", 0));
        RecordCipher rx = RecordCipher.forRx(keys("client_app", 0));

        assertThat(seal(tx, RecordType.APPLICATION_DATA, rfc("app_payload"), buffers))
                .isEqualTo(rfc("client_app_record"));
        assertThat(seal(tx, RecordType.ALERT, rfc("alert_payload"), buffers)).isEqualTo(rfc("client_alert_record"));
        assertThat(tx.recSeq()).isEqualTo(2);

        assertThat(open(rx, rfc("client_app_record"), RecordType.APPLICATION_DATA, buffers))
                .isEqualTo(rfc("app_payload"));
        assertThat(open(rx, rfc("client_alert_record"), RecordType.ALERT, buffers)).isEqualTo(rfc("alert_payload"));
        assertThat(rx.recSeq()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Buffers.class)
    void server_new_session_ticket_application_data_and_close_notify(Buffers buffers) throws KtlsException {
        RecordCipher rx = RecordCipher.forRx(keys("server_app", 0));
        RecordCipher tx = RecordCipher.forTx(keys("server_app", 0));

        // The RFC prints the ticket's record; opening it must authenticate and yield a 205-byte NewSessionTicket
        // (type 4, length 0xc9), and sealing that plaintext again must give back the RFC's record exactly.
        byte[] ticket = open(rx, rfc("server_nst_record"), RecordType.HANDSHAKE, buffers);
        assertThat(ticket).hasSize(205);
        assertThat(Arrays.copyOf(ticket, 4)).isEqualTo(new byte[] {4, 0, 0, (byte) 0xc9});
        assertThat(seal(tx, RecordType.HANDSHAKE, ticket, buffers)).isEqualTo(rfc("server_nst_record"));

        assertThat(seal(tx, RecordType.APPLICATION_DATA, rfc("app_payload"), buffers))
                .isEqualTo(rfc("server_app_record"));
        assertThat(seal(tx, RecordType.ALERT, rfc("alert_payload"), buffers)).isEqualTo(rfc("server_alert_record"));

        assertThat(open(rx, rfc("server_app_record"), RecordType.APPLICATION_DATA, buffers))
                .isEqualTo(rfc("app_payload"));
        assertThat(open(rx, rfc("server_alert_record"), RecordType.ALERT, buffers)).isEqualTo(rfc("alert_payload"));
        assertThat(rx.recSeq()).isEqualTo(3);
        assertThat(tx.recSeq()).isEqualTo(3);
    }
}
