package io.ktls4j.netty;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.RecordType;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.fd.KtlsDescriptor;
import io.ktls4j.records.TlsRecords;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import java.io.IOException;

/**
 * TX in the kernel: {@code TLS_TX} is installed on the epoll channel's descriptor, so the transport's own
 * {@code write}/{@code writev}/{@code sendfile} carry plaintext that the kernel frames and encrypts; application
 * writes pass through untouched (a {@link io.netty.channel.DefaultFileRegion} leaves by {@code sendfile(2)} with no
 * payload byte in the JVM). Control records travel in order as {@link ControlRecordRegion}s. TLS 1.3: a KeyUpdate
 * goes first when a write could take the key to its record limit; the count is an upper estimate (each write is
 * counted as ceil(bytes / 16 KiB) records, at least one), since the kernel's {@code rec_seq} is not read back.
 */
final class KernelTx implements TxPath {
    private final ChannelHandlerContext ctx;
    private final int fd;
    private final TrafficKeys keys;
    private long recordsUnderKey;

    KernelTx(ChannelHandlerContext ctx, int fd, TrafficKeys keys, long recordsSentAlready) {
        this.ctx = ctx;
        this.fd = fd;
        this.keys = keys;
        this.recordsUnderKey = recordsSentAlready;
    }

    @Override
    public BackendKind backend() {
        return BackendKind.KERNEL_SW;
    }

    @Override
    public void write(Object msg, ChannelPromise promise) {
        long bytes = msg instanceof ByteBuf b ? b.readableBytes()
                : ((FileRegion) msg).count() - ((FileRegion) msg).transferred();
        long records = Math.max(1, (bytes + TlsRecords.MAX_PLAINTEXT - 1) / TlsRecords.MAX_PLAINTEXT);
        if (keys.canUpdate() && recordsUnderKey + records >= keys.recordLimit()) {
            try {
                writeKeyUpdate(false, ctx.newPromise().addListener(f -> {
                    if (!f.isSuccess()) {
                        ctx.fireExceptionCaught(f.cause());
                    }
                }));
            } catch (IOException e) {
                io.netty.util.ReferenceCountUtil.release(msg);
                promise.tryFailure(e);
                return;
            }
        }
        recordsUnderKey += records;
        ctx.write(msg, promise);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void writeControl(RecordType type, byte[] body, ChannelPromise promise) {
        ctx.write(new ControlRecordRegion(fd, type, body, null), promise);
        recordsUnderKey++;
    }

    @Override
    public void writeKeyUpdate(boolean requestPeerUpdate, ChannelPromise promise) throws IOException {
        if (!keys.canUpdate()) {
            throw new IllegalStateException("KeyUpdate exists only in TLS 1.3");
        }
        if (!KernelTls.supportsRekey()) {
            // before Linux 6.14 a second TLS_TX fails: say so before a KeyUpdate is sent that TX could not follow
            throw KernelTls.rekeyProbe().exception();
        }
        ctx.write(new ControlRecordRegion(fd, RecordType.HANDSHAKE, Handshakes.keyUpdateMessage(requestPeerUpdate),
                () -> {
                    CryptoInfo next = keys.next(Direction.TX);
                    try {
                        KtlsDescriptor.install(fd, Direction.TX, next, true);
                    } finally {
                        next.destroy();
                    }
                }), promise);
        recordsUnderKey = 0;
    }

    @Override
    public void release(Throwable cause) {
        // nothing queued here: the channel's outbound buffer holds what is unsent, and the kernel holds the key
    }
}
