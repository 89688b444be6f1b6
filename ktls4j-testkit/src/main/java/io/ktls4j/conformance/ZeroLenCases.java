package io.ktls4j.conformance;

import static io.ktls4j.CipherType.AES_CCM_128;
import static io.ktls4j.MsgFlag.DONTWAIT;
import static io.ktls4j.MsgFlag.PEEK;
import static io.ktls4j.TlsVersion.TLS_1_2;
import static io.ktls4j.conformance.RawRecords.ID0_CTRL_L0;
import static io.ktls4j.conformance.RawRecords.ID0_DATA_L0;
import static io.ktls4j.conformance.RawRecords.ID0_DATA_L11;
import static io.ktls4j.conformance.RawRecords.ID1_CTRL_L0;
import static io.ktls4j.conformance.RawRecords.ID1_DATA_L0;
import static io.ktls4j.conformance.RawRecords.ID1_DATA_L11;
import static io.ktls4j.conformance.RawRecords.ID2_CTRL_L0;
import static io.ktls4j.conformance.RawRecords.ID2_CTRL_L11;
import static io.ktls4j.conformance.RawRecords.ID2_DATA_L0;
import static io.ktls4j.conformance.RawRecords.ID2_DATA_L11;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.SpliceFlag;
import io.ktls4j.WouldBlockException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code FIXTURE(zero_len)} (docs/KERNEL-TLS-SEMANTICS.md §3.3) and Appendix A's {@code zero_len_peek}: a keyless
 * {@code fd} writes the kernel's raw TLS 1.2 AES_CCM_128 records, {@code cfd} has RX generation 0.
 */
public abstract class ZeroLenCases extends ConformanceCases {
    static final int EAGAIN = -Errno.EAGAIN.code();

    /** The 8 {@code zero_len} variants: records (seq 0, 1, 2) and the expected recvmsg returns. */
    public enum ZeroLen {
        DATA_DATA_DATA("data_data_data", new RawRecords[] {ID0_DATA_L11, ID1_DATA_L11, ID2_DATA_L11}, 33, EAGAIN),
        DATA_0CTRL_DATA("data_0ctrl_data", new RawRecords[] {ID0_DATA_L11, ID1_CTRL_L0, ID2_DATA_L11}, 11, 0, 11, EAGAIN),
        ZDATA_ZDATA_ZDATA("0data_0data_0data", new RawRecords[] {ID0_DATA_L0, ID1_DATA_L0, ID2_DATA_L0}, EAGAIN),
        ZDATA_ZDATA_CTRL("0data_0data_ctrl", new RawRecords[] {ID0_DATA_L0, ID1_DATA_L0, ID2_CTRL_L11}, 0, 11, EAGAIN),
        ZDATA_ZDATA_ZCTRL("0data_0data_0ctrl", new RawRecords[] {ID0_DATA_L0, ID1_DATA_L0, ID2_CTRL_L0}, 0, 0, EAGAIN),
        ZCTRL_ZCTRL_ZCTRL("0ctrl_0ctrl_0ctrl", new RawRecords[] {ID0_CTRL_L0, ID1_CTRL_L0, ID2_CTRL_L0}, 0, 0, 0, EAGAIN),
        ZDATA_ZDATA_DATA("0data_0data_data", new RawRecords[] {ID0_DATA_L0, ID1_DATA_L0, ID2_DATA_L11}, 11, EAGAIN),
        DATA_ZDATA_ZDATA("data_0data_0data", new RawRecords[] {ID0_DATA_L11, ID1_DATA_L0, ID2_DATA_L0}, 11, EAGAIN);

        final String kernelName;
        final RawRecords[] recs;
        final int[] recvRet;

        ZeroLen(String kernelName, RawRecords[] recs, int... recvRet) {
            this.kernelName = kernelName;
            this.recs = recs;
            this.recvRet = recvRet;
        }

        @Override
        public String toString() {
            return kernelName;
        }
    }

    /** {@code FIXTURE_SETUP(zero_len)}: RX on cfd only; fd stays keyless and sends the raw records. */
    private Pair zeroLen(RawRecords[] recs) throws Exception {
        assumeSupported(TLS_1_2, AES_CCM_128);
        Pair p = ulpSockPair();
        p.cfd().install(Direction.RX, info(TLS_1_2, AES_CCM_128, 0));
        for (RawRecords r : recs) {
            assertThat(send(p.fd(), r.cipher())).as("send %s", r).isEqualTo(r.cipher().length);
        }
        SocketIo.settle();
        return p;
    }

    /**
     * Up to four {@code recvmsg(buf[128], MSG_DONTWAIT)} with a control buffer return exactly the variant's values
     * (stopping at EAGAIN); the bytes returned are the records' plaintexts in order.
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(ZeroLen.class)
    void test(ZeroLen z) throws Exception {
        Pair p = zeroLen(z.recs);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int i = 0; i < z.recvRet.length; i++) {
            int expect = z.recvRet[i];
            if (expect == EAGAIN) {
                Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> SocketIo.recvCmsg(p.cfd(), 128, DONTWAIT));
                break;
            }
            SocketIo.Cmsg c = SocketIo.recvCmsg(p.cfd(), 128, DONTWAIT);
            assertThat(c.count()).as("recvmsg #%d", i).isEqualTo(expect);
            assertThat(c.type()).as("recvmsg #%d carries a record type", i).isNotNull();
            got.write(c.data());
        }
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        for (RawRecords r : z.recs) {
            plain.write(r.plain());
        }
        byte[] all = plain.toByteArray();
        assertThat(got.toByteArray()).isEqualTo(Arrays.copyOf(all, got.size()));
        assertThat(got.size()).isEqualTo(Arrays.stream(z.recvRet).filter(r -> r > 0).sum());
    }

    /** Appendix A {@code zero_len_peek} variants: records and the return of the first MSG_PEEK. */
    public enum ZeroLenPeek {
        ZDATA_ZDATA_DATA("0data_0data_data", ZeroLen.ZDATA_ZDATA_DATA, 11),
        ZDATA_ZDATA_ZDATA("0data_0data_0data", ZeroLen.ZDATA_ZDATA_ZDATA, EAGAIN);

        final String kernelName;
        final ZeroLen records;
        final int peekRet;

        ZeroLenPeek(String kernelName, ZeroLen records, int peekRet) {
            this.kernelName = kernelName;
            this.records = records;
            this.peekRet = peekRet;
        }

        @Override
        public String toString() {
            return kernelName;
        }
    }

    /**
     * A plain {@code recv(MSG_DONTWAIT|MSG_PEEK)} skips empty data records: 11 bytes ("Hello world"), then a real read
     * returns them and the next is EAGAIN; with only empty records the peek is EAGAIN (never 0, which means EOF).
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(ZeroLenPeek.class)
    void zero_len_peek(ZeroLenPeek z) throws Exception {
        Pair p = zeroLen(z.records.recs);
        if (z.peekRet == EAGAIN) {
            Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), 128, DONTWAIT, PEEK));
            return;
        }
        byte[] hello = Bytes.ascii("Hello world");
        assertThat(recv(p.cfd(), 128, DONTWAIT, PEEK)).isEqualTo(hello);
        assertThat(recv(p.cfd(), 128, DONTWAIT)).isEqualTo(hello);
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), 128, DONTWAIT));
    }

    /** Appendix A {@code zero_len_splice} variants: records and the return of {@code splice(cfd → pipe, 128)}. */
    public enum ZeroLenSplice {
        ZDATA_DATA("0data_data", new RawRecords[] {ID0_DATA_L0, ID1_DATA_L11}, 11),
        ZDATA_ZDATA_DATA("0data_0data_data", ZeroLen.ZDATA_ZDATA_DATA.recs, 11),
        ZDATA_ZDATA_ZDATA("0data_0data_0data", ZeroLen.ZDATA_ZDATA_ZDATA.recs, EAGAIN),
        ZDATA_ZCTRL("0data_0ctrl", new RawRecords[] {ID0_DATA_L0, ID1_CTRL_L0}, -Errno.EINVAL.code());

        final String kernelName;
        final RawRecords[] recs;
        final int spliceRet;

        ZeroLenSplice(String kernelName, RawRecords[] recs, int spliceRet) {
            this.kernelName = kernelName;
            this.recs = recs;
            this.spliceRet = spliceRet;
        }

        @Override
        public String toString() {
            return kernelName;
        }
    }

    /**
     * {@code splice(cfd → pipe, 128, SPLICE_F_NONBLOCK)} skips empty data records: 11 bytes ("Hello world"), with
     * only empty records EAGAIN (never 0, which means EOF), and EINVAL when a control record follows them. After a
     * splice the pipe holds the 11 bytes and the socket has nothing left (EAGAIN).
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(ZeroLenSplice.class)
    void zero_len_splice(ZeroLenSplice z) throws Exception {
        Pair p = zeroLen(z.recs);
        KtlsPipe pipe = pipe();
        if (z.spliceRet == EAGAIN) {
            Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> p.cfd().spliceTo(pipe, 128, SpliceFlag.NONBLOCK));
            return;
        }
        if (z.spliceRet == -Errno.EINVAL.code()) {
            Expect.errno(KtlsException.class, Errno.EINVAL, () -> p.cfd().spliceTo(pipe, 128, SpliceFlag.NONBLOCK));
            return;
        }
        byte[] hello = Bytes.ascii("Hello world");
        assertThat(p.cfd().spliceTo(pipe, 128, SpliceFlag.NONBLOCK)).isEqualTo(z.spliceRet);
        assertThat(SocketIo.readPipe(pipe, hello.length)).isEqualTo(hello);
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), 128, DONTWAIT));
    }
}
