package io.ktls4j.netty;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsStat;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.records.RecordCipher;
import io.ktls4j.records.TlsRecords;
import io.ktls4j.records.SoftwareCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.PendingWriteQueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The software record layer's transmit side inside the pipeline: writes wait in a {@link PendingWriteQueue} (so
 * they count against the channel's writability) and are sealed at {@code flush()}, in order, into records cut as
 * the kernel cuts a gathering write: full 16 KiB records across buffer boundaries, and a shorter one at the end of
 * what was flushed. A {@link FileRegion} is read through {@link FileRegion#transferTo} in batches, each sealed and
 * written when the previous one has gone to the socket. TLS 1.3: a KeyUpdate goes out before the record that would
 * reach the key's record limit.
 */
final class SealingTx implements TxPath {
    /** Plaintext sealed into one outgoing buffer (16 records). */
    private static final int BATCH = 16 * TlsRecords.MAX_PLAINTEXT;

    /** A control record waiting in the queue: an alert, or a KeyUpdate after which the next key takes over. */
    private record Control(RecordType type, byte[] body, boolean keyUpdate) {}

    private final ChannelHandlerContext ctx;
    private final TrafficKeys keys;
    private final Consumer<Throwable> fatal;
    private final PendingWriteQueue queue;
    private final byte[] staging = new byte[TlsRecords.MAX_PLAINTEXT];
    private final RegionSink sink = new RegionSink();
    private RecordCipher cipher;
    private int staged;
    private boolean draining;
    private boolean drainAgain;
    private boolean regionInFlight;
    private boolean released;

    /**
     * @param tx the first TX key (copied; the caller destroys it)
     * @param fatal told when sealing failed (a record may be missing from the stream: the connection cannot go on)
     */
    SealingTx(ChannelHandlerContext ctx, CryptoInfo tx, TrafficKeys keys, Consumer<Throwable> fatal)
            throws KtlsException {
        this.ctx = ctx;
        this.keys = keys;
        this.fatal = fatal;
        this.queue = new PendingWriteQueue(ctx);
        this.cipher = RecordCipher.forTx(tx);
        SoftwareCounters.increment(TlsStat.TlsTxSw);
        SoftwareCounters.increment(TlsStat.TlsCurrTxSw);
    }

    @Override
    public BackendKind backend() {
        return BackendKind.SOFTWARE;
    }

    @Override
    public void write(Object msg, ChannelPromise promise) {
        queue.add(msg, promise);
    }

    @Override
    public void writeControl(RecordType type, byte[] body, ChannelPromise promise) {
        queue.add(new Control(type, body.clone(), false), promise);
    }

    @Override
    public void writeKeyUpdate(boolean requestPeerUpdate, ChannelPromise promise) {
        if (!keys.canUpdate()) {
            throw new IllegalStateException("KeyUpdate exists only in TLS 1.3");
        }
        queue.add(new Control(RecordType.HANDSHAKE, Handshakes.keyUpdateMessage(requestPeerUpdate), true), promise);
    }

    @Override
    public void flush() {
        drain();
        ctx.flush();
    }

    /** Seals what the queue holds, unless a FileRegion's batch is on its way (its completion drains again). */
    private void drain() {
        if (draining) {
            drainAgain = true; // a write completed inside ctx.write/flush: the outer loop goes on
            return;
        }
        draining = true;
        try {
            do {
                drainAgain = false;
                while (!released && !regionInFlight && !queue.isEmpty()) {
                    Object m = queue.current();
                    if (m instanceof ByteBuf) {
                        sealBuffers();
                    } else if (m instanceof FileRegion region) {
                        sealRegionBatch(region);
                    } else {
                        sealControl((Control) m);
                    }
                }
            } while (drainAgain && !released);
        } finally {
            draining = false;
        }
    }

    /** Seals up to {@link #BATCH} bytes of the consecutive buffers at the head of the queue into one write. */
    private void sealBuffers() {
        ByteBuf out = ctx.alloc().ioBuffer(sizeFor((int) Math.min(BATCH, queue.bytes() + staged)));
        List<ChannelPromise> done = new ArrayList<>(4);
        try {
            int sealed = 0;
            // staged bytes belong to buffers whose promises are in done: they go into this write
            while ((sealed < BATCH || staged > 0) && queue.current() instanceof ByteBuf b) {
                int n = b.readableBytes();
                if (staged == 0 && n >= TlsRecords.MAX_PLAINTEXT) {
                    // a full record straight from the buffer
                    seal(RecordType.APPLICATION_DATA, b.nioBuffer(b.readerIndex(), TlsRecords.MAX_PLAINTEXT), out);
                    b.skipBytes(TlsRecords.MAX_PLAINTEXT);
                    sealed += TlsRecords.MAX_PLAINTEXT;
                } else {
                    int take = Math.min(n, TlsRecords.MAX_PLAINTEXT - staged);
                    b.readBytes(staging, staged, take);
                    staged += take;
                    if (staged == TlsRecords.MAX_PLAINTEXT) {
                        sealStaged(out);
                        sealed += TlsRecords.MAX_PLAINTEXT;
                    }
                }
                if (!b.isReadable()) {
                    done.add(queue.remove()); // releases the buffer
                }
            }
            if (staged > 0) {
                sealStaged(out); // the end of what was flushed: a short record
            }
        } catch (KtlsException | RuntimeException e) {
            out.release();
            failAll(done, e);
            failHead(e);
            fatal.accept(e);
            return;
        }
        writeOut(out, done);
    }

    /** Seals one control record, and for a KeyUpdate switches to the next key. */
    private void sealControl(Control c) {
        ByteBuf out = ctx.alloc().ioBuffer(sizeFor(staged + c.body().length) + sizeFor(0));
        List<ChannelPromise> done = new ArrayList<>(1);
        try {
            if (staged > 0) {
                sealStaged(out);
            }
            seal(c.type(), ByteBuffer.wrap(c.body()), out);
            if (c.keyUpdate()) {
                nextKey();
            }
            done.add(queue.remove());
        } catch (IOException | RuntimeException e) {
            out.release();
            failHead(e);
            fatal.accept(e);
            return;
        }
        writeOut(out, done);
    }

    /** A buffer size for sealing {@code plaintext} bytes (a KeyUpdate included), records cut at 16 KiB. */
    private int sizeFor(int plaintext) {
        int records = plaintext / TlsRecords.MAX_PLAINTEXT + 2;
        return plaintext + records * (TlsRecords.HEADER_SIZE + cipher.overhead()) + 16;
    }

    /**
     * Seals the next batch of a FileRegion. When the region is not done yet, waits for this batch to reach the socket
     * before reading more (the region stays at the head of the queue, so nothing overtakes it).
     */
    private void sealRegionBatch(FileRegion region) {
        ByteBuf out = ctx.alloc().ioBuffer(sizeFor((int) Math.min(BATCH, region.count() - region.transferred())));
        boolean finished;
        try {
            long before = region.transferred();
            if (before < region.count()) {
                sink.begin(out, (int) Math.min(BATCH, region.count() - before));
                region.transferTo(sink, before);
                if (sink.accepted() == 0) {
                    throw new IOException("the FileRegion gave no bytes at position " + before + " of "
                            + region.count() + " (" + region + ")");
                }
                if (staged > 0) {
                    sealStaged(out);
                }
            }
            finished = region.transferred() >= region.count();
        } catch (IOException | RuntimeException e) {
            out.release();
            staged = 0;
            failHead(e);
            fatal.accept(e); // part of the region may have gone out: the peer cannot tell it was cut short
            return;
        }
        if (finished) {
            writeOut(out, List.of(queue.remove()));
            return;
        }
        regionInFlight = true;
        ChannelFuture f = write(out);
        f.addListener(future -> {
            regionInFlight = false;
            if (!future.isSuccess()) {
                failHead(future.cause());
            }
            drain();
            if (!released) {
                ctx.flush();
            }
        });
    }

    /** Receives a FileRegion's bytes up to a budget, sealing every full record into the batch buffer. */
    private final class RegionSink implements WritableByteChannel {
        private ByteBuf out;
        private int budget;
        private int accepted;

        void begin(ByteBuf out, int budget) {
            this.out = out;
            this.budget = budget;
            this.accepted = 0;
        }

        int accepted() {
            return accepted;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int taken = 0;
            while (src.hasRemaining() && accepted < budget) {
                int take = Math.min(Math.min(src.remaining(), budget - accepted), TlsRecords.MAX_PLAINTEXT - staged);
                src.get(staging, staged, take);
                staged += take;
                accepted += take;
                taken += take;
                if (staged == TlsRecords.MAX_PLAINTEXT) {
                    sealStaged(out);
                }
            }
            return taken;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private void sealStaged(ByteBuf out) throws KtlsException {
        seal(RecordType.APPLICATION_DATA, ByteBuffer.wrap(staging, 0, staged), out);
        Arrays.fill(staging, 0, staged, (byte) 0);
        staged = 0;
    }

    /** Seals one record into {@code out}; first a KeyUpdate when this record would reach the key's limit. */
    private void seal(RecordType type, ByteBuffer plaintext, ByteBuf out) throws KtlsException {
        if (keys.canUpdate() && type.equals(RecordType.APPLICATION_DATA)
                && cipher.recSeq() + 1 >= keys.recordLimit()) {
            sealRaw(RecordType.HANDSHAKE, ByteBuffer.wrap(Handshakes.keyUpdateMessage(false)), out);
            try {
                nextKey();
            } catch (IOException e) {
                throw new KtlsException(io.ktls4j.Errno.EINVAL, "the next TX key could not be derived: "
                        + e.getMessage(), e);
            }
        }
        sealRaw(type, plaintext, out);
    }

    private void sealRaw(RecordType type, ByteBuffer plaintext, ByteBuf out) throws KtlsException {
        int size = TlsRecords.HEADER_SIZE + plaintext.remaining() + cipher.overhead();
        out.ensureWritable(size);
        ByteBuffer dst = out.internalNioBuffer(out.writerIndex(), size);
        int start = dst.position();
        cipher.seal(type, plaintext, dst);
        out.writerIndex(out.writerIndex() + dst.position() - start);
    }

    private void nextKey() throws IOException {
        CryptoInfo next = keys.next(Direction.TX);
        try {
            RecordCipher c = RecordCipher.forTx(next);
            cipher.destroy();
            cipher = c;
            SoftwareCounters.increment(TlsStat.TlsTxRekeyOk);
        } catch (KtlsException e) {
            SoftwareCounters.increment(TlsStat.TlsTxRekeyError);
            throw e;
        } finally {
            next.destroy();
        }
    }

    private void writeOut(ByteBuf out, List<ChannelPromise> done) {
        if (!out.isReadable() && done.isEmpty()) {
            out.release();
            return;
        }
        ChannelFuture f = write(out);
        if (!done.isEmpty()) {
            f.addListener(future -> {
                for (ChannelPromise p : done) {
                    if (future.isSuccess()) {
                        p.trySuccess();
                    } else {
                        p.tryFailure(future.cause());
                    }
                }
            });
        }
    }

    private ChannelFuture write(ByteBuf out) {
        return ctx.write(out);
    }

    /** The head entry failed: its promise fails and it is dropped (released). */
    private void failHead(Throwable cause) {
        if (!queue.isEmpty()) {
            queue.removeAndFail(cause);
        }
    }

    private static void failAll(List<ChannelPromise> promises, Throwable cause) {
        for (ChannelPromise p : promises) {
            p.tryFailure(cause);
        }
    }

    @Override
    public void release(Throwable cause) {
        if (released) {
            return;
        }
        released = true;
        queue.removeAndFailAll(cause);
        Arrays.fill(staging, (byte) 0);
        staged = 0;
        cipher.destroy();
        SoftwareCounters.decrement(TlsStat.TlsCurrTxSw);
    }
}
