package io.ktls4j.conformance;

import static io.ktls4j.MsgFlag.WAITALL;
import static io.ktls4j.conformance.Bytes.cstr;
import static io.ktls4j.conformance.SocketIo.TYPE_100;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.recvCmsg;
import static io.ktls4j.conformance.SocketIo.sendCmsg;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.ControlRecordException;
import io.ktls4j.Errno;
import io.ktls4j.KtlsChannel;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Java has no {@code splice(2)}; the selftests' splice cases are N/A (see docs/CONFORMANCE.md). Their nearest
 * equivalents on the contract are the {@link KtlsChannel} view and {@code transferFrom} (sendfile), pinned down here
 * with the same data shapes as the splice cases they stand in for.
 */
public abstract class ChannelViewCases extends ConformanceCases {

    /** For splice_from_pipe / splice_to_pipe: 16384 bytes written and read through the channel view. */
    @TlsVariants
    void channel_write_read(Variant v) throws Exception {
        Pair p = tls(v);
        KtlsChannel tx = p.fd().asChannel();
        KtlsChannel rx = p.cfd().asChannel();
        assertThat(tx.socket()).isSameAs(p.fd());
        assertThat(tx.isOpen()).isTrue();
        byte[] data = Bytes.random(16384);
        assertThat(tx.write(ByteBuffer.wrap(data))).isEqualTo(16384);
        ByteBuffer got = ByteBuffer.allocate(16384);
        while (got.hasRemaining()) {
            assertThat(rx.read(got)).as("channel read").isPositive();
        }
        assertThat(got.array()).isEqualTo(data);
    }

    /** For splice_from_pipe2: two 8000-byte halves of a file sent with transferFrom, read as 16000 bytes. */
    @TlsVariants
    void channel_transfer_from(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] data = Bytes.random(16000);
        Path f = Files.createTempFile("ktls4j-conformance", ".bin");
        closeLater(() -> Files.deleteIfExists(f));
        Files.write(f, data);
        FileChannel file = closeLater(FileChannel.open(f, StandardOpenOption.READ));
        KtlsChannel tx = p.fd().asChannel();
        assertThat(tx.transferFrom(file, 0, 8000)).isEqualTo(8000);
        assertThat(tx.transferFrom(file, 8000, 8000)).isEqualTo(8000);
        assertThat(file.position()).isZero();
        assertThat(recv(p.cfd(), 16000, WAITALL)).isEqualTo(data);
    }

    /**
     * For splice_cmsg_to_pipe: a control record cannot be read as data through the view (the contract's EIO, where
     * splice answers EINVAL), and stays readable with a control buffer.
     */
    @TlsVariants
    void channel_read_control_record(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(sendCmsg(p.fd(), TYPE_100, cstr("test_read"))).isEqualTo(10);
        Expect.errno(ControlRecordException.class, Errno.EIO, () -> p.cfd().asChannel().read(ByteBuffer.allocate(10)));
        SocketIo.Cmsg c = recvCmsg(p.cfd(), 10, WAITALL);
        assertThat(c.count()).isEqualTo(10);
        assertThat(c.type()).isEqualTo(TYPE_100);
        assertThat(c.data()).isEqualTo(cstr("test_read"));
    }

    /** For recv_nonblock through the view: on a non-blocking channel an empty socket reads 0, as any NIO channel. */
    @TlsVariants
    void channel_nonblocking_read(Variant v) throws Exception {
        Pair p = tls(v);
        p.cfd().channel().configureBlocking(false);
        assertThat(p.cfd().asChannel().read(ByteBuffer.allocate(4096))).isZero();
    }
}
