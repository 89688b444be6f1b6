package io.ktls4j.linux;

import io.ktls4j.Errno;
import io.ktls4j.MsgFlag;
import io.ktls4j.RecordType;
import io.ktls4j.SpliceFlag;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.internal.Descriptors;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.FdGuard;
import io.ktls4j.linux.internal.MsgIo;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Pipes;
import io.ktls4j.linux.internal.Poller;
import io.ktls4j.linux.internal.Readiness;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The data path of {@link KernelKtlsSocket}: {@code sendmsg}, {@code sendfile} and {@code recvmsg} on the fd, with
 * the channel's blocking mode, heap-buffer chunking and the waits described there.
 */
final class KernelDataPath {
    /** Heap buffers are copied to native memory at most this much per {@code sendmsg}/{@code recvmsg}. */
    static final long HEAP_CHUNK = 1 << 20;

    private final FdGuard guard;
    private final SocketChannel channel;
    private final int fd;
    /** Serialises writers: a send of a heap buffer may take several sendmsg calls that must not interleave. */
    private final ReentrantLock writeLock = new ReentrantLock();

    KernelDataPath(FdGuard guard) {
        this.guard = guard;
        this.channel = guard.channel();
        this.fd = guard.fd();
    }

    long write(ByteBuffer[] srcs, int userFlags, int recordType, String call) throws IOException {
        boolean blocking = channel.isBlocking() && (userFlags & Native.MSG_DONTWAIT) == 0;
        int flags = userFlags | dontWait();
        if ((flags & Native.MSG_MORE) == 0) {
            // MSG_EOR only says "this send ends the record", which every send without MSG_MORE does; kernels
            // that predate MSG_EOR support in tls_sw (6.1 among them) answer EOPNOTSUPP, so it is not passed on.
            flags &= ~Native.MSG_EOR;
        }
        long total = MsgIo.remaining(srcs);
        lockWriter(blocking);
        Readiness writeWait = new Readiness(channel, fd);
        try {
            guard.enter();
            try {
                long done = 0;
                do {
                    long left = total - done;
                    // Heap data goes through native memory in chunks; all but the last keep the record open, so the
                    // records on the wire are the same as for one sendmsg of everything.
                    boolean last = recordType >= 0 || left <= HEAP_CHUNK;
                    int f = last ? flags : (flags | Native.MSG_MORE) & ~Native.MSG_EOR;
                    long r = MsgIo.send(fd, srcs, f, recordType, last ? Long.MAX_VALUE : HEAP_CHUNK);
                    if (r == -Errno.EAGAIN.code() && blocking) {
                        writeWait.await(Native.POLLOUT);
                        continue;
                    }
                    if (r < 0) {
                        if (done > 0 && r == -Errno.EAGAIN.code()) {
                            return done;
                        }
                        throw Errors.write((int) -r, call);
                    }
                    writeWait.progressed();
                    done += r;
                    if (!blocking && done < total && r < Math.min(left, HEAP_CHUNK)) {
                        return done; // non-blocking: the kernel took what it could
                    }
                } while (done < total && recordType < 0);
                return done;
            } finally {
                guard.exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * {@code MSG_DONTWAIT} for every call on a non-blocking channel, and on a virtual thread for a blocking one too: a
     * call blocked in the kernel would hold the carrier, so the wait happens parked in {@link Readiness} instead.
     */
    private int dontWait() {
        return channel.isBlocking() && !Poller.applies() ? 0 : Native.MSG_DONTWAIT;
    }

    /** Sets {@code O_NONBLOCK} on the fd, as the JDK itself does once a virtual thread uses a channel. */
    private void nonBlockingFd() throws IOException {
        int fl = Descriptors.statusFlags(fd);
        if (fl < 0) {
            throw Errors.generic(-fl, "fcntl(F_GETFL)");
        }
        if ((fl & Descriptors.O_NONBLOCK) == 0) {
            int r = Descriptors.setStatusFlags(fd, fl | Descriptors.O_NONBLOCK);
            if (r < 0) {
                throw Errors.generic(-r, "fcntl(F_SETFL, O_NONBLOCK)");
            }
        }
    }

    private void lockWriter(boolean blocking) throws IOException {
        if (blocking) {
            writeLock.lock();
        } else if (!writeLock.tryLock()) {
            throw new WouldBlockException("another writer is sending on this socket");
        }
    }

    long sendFile(FileChannel file, long position, long count) throws IOException {
        lockWriter(channel.isBlocking());
        Readiness writeWait = new Readiness(channel, fd);
        try {
            guard.enter();
            try {
                if (Poller.applies() && channel.isBlocking()) {
                    nonBlockingFd(); // sendfile(2) on a blocking fd would hold the virtual thread's carrier
                }
                long sent = 0;
                while (sent < count) {
                    long n = file.transferTo(position + sent, count - sent, channel);
                    if (n <= 0) {
                        if (!channel.isBlocking() || position + sent >= file.size()) {
                            break;
                        }
                        writeWait.await(Native.POLLOUT); // fd made non-blocking under a blocking channel
                        continue;
                    }
                    sent += n;
                }
                if (sent == 0 && count > 0 && !channel.isBlocking() && position < file.size()) {
                    throw new WouldBlockException("sendfile would block");
                }
                return sent;
            } finally {
                guard.exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * {@code splice(pipe → socket)}. The call blocks in the kernel as the fd does; an EAGAIN on a blocking channel
     * whose fd the JDK made non-blocking waits for POLLOUT and retries.
     */
    long spliceFrom(int pipeFd, long len, int flags) throws IOException {
        boolean blocking = channel.isBlocking();
        boolean pipeNonBlock = (flags & SpliceFlag.NONBLOCK.bit()) != 0;
        lockWriter(blocking);
        Readiness writeWait = new Readiness(channel, fd);
        try {
            guard.enter();
            try {
                while (true) {
                    long r = Pipes.splice(pipeFd, fd, len, flags);
                    if (r == -Errno.EAGAIN.code() && blocking && !pipeNonBlock) {
                        writeWait.await(Native.POLLOUT);
                        continue;
                    }
                    if (r < 0) {
                        throw Errors.write((int) -r, "splice(pipe → socket)");
                    }
                    return r;
                }
            } finally {
                guard.exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * {@code splice(socket → pipe)}: the bytes moved, 0 at end of stream. Readers take no Java lock, as for
     * {@link #recv}. {@code tls_sw_splice_read} waits for a record unless the call has {@code SPLICE_F_NONBLOCK} (the
     * descriptor's {@code O_NONBLOCK} does not count): a virtual thread passes it and waits in the {@link Poller}
     * instead, so that an idle connection does not pin its carrier in the kernel (the pipe is then non-blocking too:
     * a full pipe answers EAGAIN, and the wait backs off until it has room).
     */
    long spliceTo(int pipeFd, long len, int flags) throws IOException {
        boolean blocking = channel.isBlocking() && (flags & SpliceFlag.NONBLOCK.bit()) == 0;
        int f = channel.isBlocking() && !Poller.applies() ? flags : flags | SpliceFlag.NONBLOCK.bit();
        Readiness readWait = new Readiness(channel, fd);
        guard.enter();
        try {
            while (true) {
                long r = Pipes.splice(fd, pipeFd, len, f);
                if (r == -Errno.EAGAIN.code() && blocking) {
                    readWait.await((short) (Native.POLLIN | Native.POLLRDHUP));
                    continue;
                }
                if (r < 0) {
                    throw Errors.spliceToPipe((int) -r, "splice(socket → pipe)");
                }
                return r;
            }
        } finally {
            guard.exit();
        }
    }

    MsgIo.Received recv(ByteBuffer[] dsts, int userFlags, boolean control) throws IOException {
        boolean blocking = channel.isBlocking() && (userFlags & Native.MSG_DONTWAIT) == 0;
        int flags = userFlags | dontWait();
        long limit = (userFlags & MsgFlag.WAITALL.bit()) != 0 ? Long.MAX_VALUE : HEAP_CHUNK;
        // No reader lock here: the kernel serialises readers itself (and answers a MSG_DONTWAIT reader EAGAIN
        // while another one waits, as tls_err.timeo shows).
        // MSG_WAITALL together with the MSG_DONTWAIT of a virtual thread returns what is there: keep reading data
        // until the buffers are full, as the blocking call would (a control record, end of stream or an error ends
        // it early, the same as in the kernel; the error then comes with the next read).
        boolean waitAll = blocking && (flags & Native.MSG_DONTWAIT) != 0 && (userFlags & MsgFlag.WAITALL.bit()) != 0
                && (userFlags & Native.MSG_PEEK) == 0;
        Readiness readWait = new Readiness(channel, fd);
        guard.enter();
        try {
            MsgIo.Received first = null;
            long got = 0;
            while (true) {
                // Continuations read without a control buffer: a control record is then EIO and stays queued.
                MsgIo.Received r = MsgIo.receive(fd, dsts, flags, first == null && control, limit);
                if (r.result() >= 0) {
                    readWait.progressed();
                    first = first == null ? r : first;
                    got += r.result();
                    boolean data = first.recordType() < 0 || first.recordType() == RecordType.APPLICATION_DATA.value();
                    if (waitAll && r.result() > 0 && data && MsgIo.remaining(dsts) > 0) {
                        continue;
                    }
                    return first == r ? r : new MsgIo.Received(got, first.recordType(), first.msgFlags());
                }
                if (r.result() == -Errno.EAGAIN.code() && blocking) {
                    readWait.await((short) (Native.POLLIN | Native.POLLRDHUP));
                    continue;
                }
                if (first != null) {
                    return new MsgIo.Received(got, first.recordType(), first.msgFlags());
                }
                throw Errors.read((int) -r.result(), control ? "recvmsg" : "recv", this::peekControlType);
            }
        } finally {
            guard.exit();
        }
    }

    /** After EIO: peeks the waiting control record's type with a 1-byte buffer and a control buffer. */
    private RecordType peekControlType() {
        MsgIo.Received p = MsgIo.receive(fd, new ByteBuffer[] {ByteBuffer.allocateDirect(1)},
                Native.MSG_PEEK | Native.MSG_DONTWAIT, true, 1);
        return p.result() >= 0 && p.recordType() >= 0 ? RecordType.of(p.recordType()) : null;
    }
}
