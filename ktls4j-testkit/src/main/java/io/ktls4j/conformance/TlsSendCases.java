package io.ktls4j.conformance;

import static io.ktls4j.MsgFlag.DONTWAIT;
import static io.ktls4j.MsgFlag.EOR;
import static io.ktls4j.MsgFlag.MORE;
import static io.ktls4j.MsgFlag.WAITALL;
import static io.ktls4j.conformance.Bytes.cstr;
import static io.ktls4j.conformance.SocketIo.TYPE_100;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.recvCmsg;
import static io.ktls4j.conformance.SocketIo.send;
import static io.ktls4j.conformance.SocketIo.sendCmsg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.WouldBlockException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Future;

/** {@code TEST_F(tls, …)}: sendfile, MSG_MORE / MSG_EOR and sendmsg (docs/KERNEL-TLS-SEMANTICS.md §3.2 items 1–15). */
public abstract class TlsSendCases extends ConformanceCases {
    /** Stands in for {@code /proc/self/exe}: a file of this many random bytes. */
    static final int EXE_SIZE = 100_000;

    /** A temporary file with {@code content}, open for reading, closed and deleted after the case. */
    protected final FileChannel tempFile(byte[] content) throws Exception {
        Path p = Files.createTempFile("ktls4j-conformance", ".bin");
        closeLater(() -> Files.deleteIfExists(p));
        Files.write(p, content);
        return closeLater(FileChannel.open(p, StandardOpenOption.READ));
    }

    /** {@code recv(cfd, buf, n, MSG_WAITALL)} on another thread, so a blocking sender never waits on a full buffer. */
    protected final Future<byte[]> recvWaitAllAsync(KtlsSocket s, int n) {
        return background(() -> recv(s, n, WAITALL));
    }

    /** Sends {@code count} bytes of {@code file} from 0, one sendFile call after another, each taking something. */
    static long sendFileFully(KtlsSocket s, FileChannel file, long count, long chunk) throws Exception {
        long off = 0;
        while (off < count) {
            long n = s.sendFile(file, off, Math.min(chunk, count - off));
            assertThat(n).as("sendfile at offset %d", off).isPositive();
            off += n;
        }
        return off;
    }

    @TlsVariants
    void sendfile(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] exe = Bytes.random(EXE_SIZE);
        FileChannel file = tempFile(exe);
        Future<byte[]> got = recvWaitAllAsync(p.cfd(), EXE_SIZE);
        assertThat(sendFileFully(p.fd(), file, EXE_SIZE, EXE_SIZE)).isEqualTo(EXE_SIZE);
        assertThat(join(got)).isEqualTo(exe);
        assertThat(file.position()).as("sendFile leaves the file position alone").isZero();
    }

    @TlsVariants
    void send_then_sendfile(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_send"))).isEqualTo(10);
        assertThat(recv(p.cfd(), 10, WAITALL)).isEqualTo(cstr("test_send"));
        byte[] exe = Bytes.random(EXE_SIZE);
        FileChannel file = tempFile(exe);
        Future<byte[]> got = recvWaitAllAsync(p.cfd(), EXE_SIZE);
        sendFileFully(p.fd(), file, EXE_SIZE, EXE_SIZE);
        assertThat(join(got)).hasSize(EXE_SIZE).isEqualTo(exe);
    }

    @TlsVariants
    void multi_chunk_sendfile(Variant v) throws Exception {
        Pair p = tls(v);
        int[][] chunkExtra = {{4096, 4096}, {4096, 0}, {4096, 1}, {4096, 2048}, {8192, 2048}, {4096, 8192},
            {8192, 4096}, {12288, 1024}, {12288, 2000}, {15360, 100}, {15360, 300}, {1, 4096}, {2048, 4096},
            {2048, 8192}, {4096, 8192}, {1024, 12288}, {2000, 12288}, {100, 15360}, {300, 15360}};
        for (int[] ce : chunkExtra) {
            int payload = ce[0] + ce[1];
            assertThat(payload).isLessThanOrEqualTo(16384);
            byte[] content = Bytes.filled(payload, 1);
            FileChannel file = tempFile(content);
            sendFileFully(p.fd(), file, payload, ce[0]);
            assertThat(recv(p.cfd(), payload, WAITALL)).as("chunk %d extra %d", ce[0], ce[1]).isEqualTo(content);
        }
    }

    @TlsVariants
    void recv_max(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] buf = Bytes.random(16384);
        assertThat(send(p.fd(), buf)).isEqualTo(16384);
        assertThat(recv(p.cfd(), 16384)).isEqualTo(buf);
    }

    @TlsVariants
    void recv_small(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_read"))).isEqualTo(10);
        assertThat(recv(p.cfd(), 10)).isEqualTo(cstr("test_read"));
    }

    /** MSG_MORE holds the record open; the next send without it closes one merged 20-byte record. */
    @TlsVariants
    void msg_more(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_read"), MORE)).isEqualTo(10);
        SocketIo.settle();
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), 10, DONTWAIT));
        assertThat(send(p.fd(), cstr("test_read"))).isEqualTo(10);
        assertThat(recv(p.cfd(), 20, WAITALL)).isEqualTo(Bytes.concat(cstr("test_read"), cstr("test_read")));
    }

    /** MSG_MORE is not allowed with a non-data record: EINVAL. */
    @TlsVariants
    void cmsg_msg_more(Variant v) throws Exception {
        Pair p = tls(v);
        Expect.errno(KtlsException.class, Errno.EINVAL, () -> sendCmsg(p.fd(), TYPE_100, cstr("test_read"), MORE));
    }

    /** The open data record is flushed as its own record before the control record: recv returns 10, not 20. */
    @TlsVariants
    void msg_more_then_cmsg(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_read"), MORE)).isEqualTo(10);
        SocketIo.settle();
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), 10, DONTWAIT));
        assertThat(sendCmsg(p.fd(), TYPE_100, cstr("test_read"))).isEqualTo(10);
        assertThat(recv(p.cfd(), 20)).isEqualTo(cstr("test_read"));
        SocketIo.Cmsg c = recvCmsg(p.cfd(), 20, WAITALL);
        assertThat(c.count()).isEqualTo(10);
        assertThat(c.type()).isEqualTo(TYPE_100);
        assertThat(c.data()).isEqualTo(cstr("test_read"));
    }

    /** Closing with a record still open neither fails nor sends it: the peer sees end of stream. */
    @TlsVariants
    void msg_more_unsent(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_read"), MORE)).isEqualTo(10);
        SocketIo.settle();
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(p.cfd(), 10, DONTWAIT));
        assertThatCode(() -> p.fd().close()).doesNotThrowAnyException();
        assertThat(recv(p.cfd(), 10)).as("the open record is discarded, so EOF").isNull();
    }

    @TlsVariants
    void msg_eor(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_read"), EOR)).isEqualTo(10);
        assertThat(recv(p.cfd(), 10, WAITALL)).isEqualTo(cstr("test_read"));
    }

    @TlsVariants
    void sendmsg_single(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(p.fd().send(new ByteBuffer[] {ByteBuffer.wrap(cstr("test_sendmsg"))})).isEqualTo(13);
        assertThat(recv(p.cfd(), 13, WAITALL)).isEqualTo(cstr("test_sendmsg"));
    }

    @TlsVariants
    void sendmsg_fragmented(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = cstr("test_sendmsg");
        for (int frags = 1; frags <= 64; frags++) {
            ByteBuffer[] iov = new ByteBuffer[frags];
            byte[][] expect = new byte[frags][];
            for (int i = 0; i < frags; i++) {
                iov[i] = ByteBuffer.wrap(s);
                expect[i] = s;
            }
            assertThat(p.fd().send(iov)).as("frags %d", frags).isEqualTo(13L * frags);
            assertThat(recv(p.cfd(), 13 * frags, WAITALL)).as("frags %d", frags).isEqualTo(Bytes.concat(expect));
        }
    }

    /** 128 records of 16384 bytes; each recv of 16384 returns one whole record. */
    @TlsVariants
    void sendmsg_large(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] mem = Bytes.random(16384);
        Future<Void> sender = background(() -> {
            for (int i = 0; i < 128; i++) {
                assertThat(p.fd().send(new ByteBuffer[] {ByteBuffer.wrap(mem)})).isEqualTo(16384);
            }
            return null;
        });
        for (int i = 0; i < 128; i++) {
            assertThat(recv(p.cfd(), 16384)).as("record %d", i).isEqualTo(mem);
        }
        join(sender);
    }

    @TlsVariants
    void sendmsg_multiple(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = cstr("test_sendmsg_multiple");
        assertThat(s).hasSize(22);
        ByteBuffer[] iov = new ByteBuffer[5];
        for (int i = 0; i < 5; i++) {
            iov[i] = ByteBuffer.wrap(s.clone());
        }
        assertThat(p.fd().send(iov)).isEqualTo(110);
        assertThat(recv(p.cfd(), 110)).isEqualTo(Bytes.concat(s, s, s, s, s));
    }

    @TlsVariants
    void sendmsg_multiple_stress(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] s = cstr("abcdefghijklmno");
        ByteBuffer[] iov = new ByteBuffer[1024];
        byte[][] expect = new byte[1024][];
        for (int i = 0; i < 1024; i++) {
            iov[i] = ByteBuffer.wrap(s);
            expect[i] = s;
        }
        assertThat(p.fd().send(iov)).isEqualTo(16384);
        assertThat(recv(p.cfd(), 16384)).isEqualTo(Bytes.concat(expect));
    }
}
