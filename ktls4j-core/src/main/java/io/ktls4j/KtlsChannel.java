package io.ktls4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * An ordinary channel view of a {@link KtlsSocket} for application code: writes make one record per call (or
 * full-size records for large buffers), reads return application data. In non-blocking mode a read or write that
 * cannot progress returns 0, as for any NIO channel (the package's would-block convention). A control record in the read path surfaces as
 * {@link ControlRecordException} (the handshake layer handles alerts and KeyUpdates before it gets here).
 */
public final class KtlsChannel implements ByteChannel, GatheringByteChannel, ScatteringByteChannel {
    private final KtlsSocket socket;

    public KtlsChannel(KtlsSocket socket) {
        this.socket = socket;
    }

    public KtlsSocket socket() {
        return socket;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return (int) read(new ByteBuffer[] {dst}, 0, 1);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        try {
            return socket.read(slice(dsts, offset, length));
        } catch (WouldBlockException e) {
            return 0;
        }
    }

    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
        return read(dsts, 0, dsts.length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        try {
            return socket.send(slice(srcs, offset, length));
        } catch (WouldBlockException e) {
            return 0;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code position}: {@code sendfile(2)} on the kernel backend.
     * The file's position is not changed. Returns the number of bytes sent.
     */
    public long transferFrom(FileChannel file, long position, long count) throws IOException {
        try {
            return socket.sendFile(file, position, count);
        } catch (WouldBlockException e) {
            return 0;
        }
    }

    @Override
    public boolean isOpen() {
        return socket.channel().isOpen();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static ByteBuffer[] slice(ByteBuffer[] a, int offset, int length) {
        if (offset == 0 && length == a.length) {
            return a;
        }
        ByteBuffer[] r = new ByteBuffer[length];
        System.arraycopy(a, offset, r, 0, length);
        return r;
    }
}
