package io.ktls4j.conformance;

import static io.ktls4j.MsgFlag.MORE;
import static io.ktls4j.MsgFlag.PEEK;
import static io.ktls4j.MsgFlag.WAITALL;
import static io.ktls4j.conformance.Bytes.ascii;
import static io.ktls4j.conformance.Bytes.cstr;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.send;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code TEST_F(tls, …)}: MSG_PEEK (docs/KERNEL-TLS-SEMANTICS.md §3.2 items 35–38). */
public abstract class TlsPeekCases extends ConformanceCases {

    @TlsVariants
    void recv_peek(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = cstr("test_read_peek");
        assertThat(send(p.fd(), s)).isEqualTo(15);
        assertThat(recv(p.cfd(), 15, PEEK)).isEqualTo(s);
        assertThat(recv(p.cfd(), 15)).isEqualTo(s);
    }

    @TlsVariants
    void recv_peek_multiple(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = cstr("test_read_peek");
        assertThat(send(p.fd(), s)).isEqualTo(15);
        for (int i = 0; i < 100; i++) {
            assertThat(recv(p.cfd(), 15, PEEK)).as("peek %d", i).isEqualTo(s);
        }
        assertThat(recv(p.cfd(), 15)).isEqualTo(s);
    }

    /**
     * Two records (14 + 11 bytes): a WAITALL peek of 14 sees record 1, a WAITALL read of 25 takes both; after a
     * MSG_MORE send makes one 25-byte record, a WAITALL peek of 25 sees it all.
     */
    @TlsVariants
    void recv_peek_multiple_records(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] first = ascii("test_read_peek");
        byte[] second = cstr("_mult_recs");
        byte[] whole = cstr("test_read_peek_mult_recs");
        assertThat(send(p.fd(), first)).isEqualTo(14);
        assertThat(send(p.fd(), second)).isEqualTo(11);
        assertThat(recv(p.cfd(), 14, PEEK, WAITALL)).isEqualTo(first);
        assertThat(recv(p.cfd(), 25, WAITALL)).isEqualTo(whole);
        assertThat(send(p.fd(), first, MORE)).isEqualTo(14);
        assertThat(send(p.fd(), second)).isEqualTo(11);
        assertThat(recv(p.cfd(), 25, PEEK, WAITALL)).isEqualTo(whole);
    }

    /** A WAITALL peek of 25 spans both records (14 + 11). */
    @TlsVariants
    void recv_peek_large_buf_mult_recs(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), ascii("test_read_peek"))).isEqualTo(14);
        assertThat(send(p.fd(), cstr("_mult_recs"))).isEqualTo(11);
        assertThat(recv(p.cfd(), 25, PEEK, WAITALL)).isEqualTo(cstr("test_read_peek_mult_recs"));
        assertThat(recv(p.cfd(), 25, WAITALL)).as("the peek consumed nothing").isEqualTo(cstr("test_read_peek_mult_recs"));
    }
}
