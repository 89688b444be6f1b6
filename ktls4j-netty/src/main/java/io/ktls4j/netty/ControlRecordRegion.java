package io.ktls4j.netty;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.fd.KtlsDescriptor;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * One control record (an alert, a KeyUpdate) for a socket whose TX is in the kernel, carried through the channel's
 * outbound buffer as a {@link FileRegion} so that it goes out exactly after everything written before it: when the
 * epoll transport's write loop reaches it, {@link #transferTo} ignores the channel it is given and sends the record
 * with {@code sendmsg(TLS_SET_RECORD_TYPE)} on the descriptor ({@link KtlsDescriptor#sendControl}), then runs the
 * action that must follow it (installing the next TX key after a KeyUpdate). A full socket answers 0, and the
 * transport retries when it is writable again.
 */
final class ControlRecordRegion extends AbstractReferenceCounted implements FileRegion {
    /** What must happen right after the record went out, still inside the write loop. */
    @FunctionalInterface
    interface AfterSent {
        void run() throws IOException;
    }

    private final int fd;
    private final RecordType type;
    private final byte[] body;
    private final AfterSent after;
    private boolean sent;

    ControlRecordRegion(int fd, RecordType type, byte[] body, AfterSent after) {
        this.fd = fd;
        this.type = type;
        this.body = body.clone();
        this.after = after;
    }

    @Override
    public long transferTo(WritableByteChannel ignored, long position) throws IOException {
        if (sent) {
            return 0;
        }
        int n;
        try {
            n = KtlsDescriptor.sendControl(fd, type, ByteBuffer.wrap(body));
        } catch (WouldBlockException full) {
            return 0;
        }
        if (n != body.length) {
            throw new KtlsException(Errno.EIO, "sendmsg(" + type + " record) took " + n + " of " + body.length
                    + " bytes: a control record cannot be continued");
        }
        sent = true;
        if (after != null) {
            after.run();
        }
        return body.length;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    public long transferred() {
        return sent ? body.length : 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred();
    }

    @Override
    public long count() {
        return body.length;
    }

    @Override
    public ControlRecordRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public ControlRecordRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public ControlRecordRegion touch() {
        return this;
    }

    @Override
    public ControlRecordRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        Arrays.fill(body, (byte) 0);
    }

    @Override
    public String toString() {
        return "ControlRecordRegion[" + type + ", " + body.length + " bytes" + (sent ? ", sent" : "") + "]";
    }
}
