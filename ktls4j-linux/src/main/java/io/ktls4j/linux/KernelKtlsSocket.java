package io.ktls4j.linux;

import io.ktls4j.BackendKind;
import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsChannel;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.MsgIo;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Readiness;
import io.ktls4j.linux.internal.SockDiag;
import io.ktls4j.linux.internal.Sockopt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A socket with the kernel's tls ULP attached: every method is the socket call it names, made through FFM on the
 * channel's file descriptor, so the semantics are the running kernel's own.
 *
 * <p>Blocking follows the channel: in non-blocking mode every call adds {@code MSG_DONTWAIT}. In blocking mode the
 * call blocks in the kernel; if the JDK has made the fd non-blocking anyway (it does once a virtual thread has used
 * the channel), the call waits with {@code poll(2)} and retries. Blocking calls are not interruptible;
 * {@link #close()} wakes them by shutting the socket down first. Do not close the {@link #channel()} directly while a
 * call is in progress: the fd number could be reused under the call.
 *
 * <p>Notes on the kernel's answers: {@link #txMaxPayloadLen()} and {@link #setTxMaxPayloadLen} throw
 * {@link io.ktls4j.KernelFeatureException} (ENOPROTOOPT) on kernels before 6.19, the getter included, because such
 * a kernel cannot report the option (its records are then always up to 16384 bytes). A second {@link #install} of a
 * TLS 1.3 direction on a kernel without rekey throws {@link io.ktls4j.KernelFeatureException} (EBUSY, 6.14).
 * {@link #sendFile} is {@link FileChannel#transferTo}, which the JDK implements with {@code sendfile(2)}; its I/O
 * errors are the JDK's {@link IOException}s.
 */
public final class KernelKtlsSocket implements KtlsSocket {
    /** Heap buffers are copied to native memory at most this much per {@code sendmsg}/{@code recvmsg}. */
    static final long HEAP_CHUNK = 1 << 20;

    private final SocketChannel channel;
    private final int fd;
    /** Serialises writers: a send of a heap buffer may take several sendmsg calls that must not interleave. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicInteger users = new AtomicInteger();
    private final Installed[] installed = new Installed[2];
    private volatile boolean closing;

    /** What is installed in one direction: never the keys themselves. */
    private record Installed(TlsVersion version, CipherType cipher) {
    }

    KernelKtlsSocket(SocketChannel channel, int fd) {
        this.channel = channel;
        this.fd = fd;
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    /** The file descriptor, for diagnostics and tests. */
    int fd() {
        return fd;
    }

    /**
     * What carries {@code direction}, from the kernel's own account ({@code sock_diag}'s
     * {@code TLS_INFO_TXCONF}/{@code TLS_INFO_RXCONF}). Where sock_diag cannot tell (no {@code CAP_NET_ADMIN}, which
     * the kernel requires for ULP info, or a kernel before 5.4), a direction this socket installed keys for is
     * reported as {@link BackendKind#KERNEL_SW} and {@link #backendEvidence} says so.
     */
    @Override
    public BackendKind backend(Direction direction) {
        SockDiag.TlsConf conf = diag();
        if (conf.known()) {
            return conf.kind(direction);
        }
        return installed[direction.ordinal()] == null ? BackendKind.NONE : BackendKind.KERNEL_SW;
    }

    /** Where {@link #backend} got its answer: the sock_diag attribute, or why it fell back to local state. */
    public String backendEvidence(Direction direction) {
        SockDiag.TlsConf conf = diag();
        return conf.known() ? "sock_diag " + (direction == Direction.TX ? "TLS_INFO_TXCONF" : "TLS_INFO_RXCONF")
                + " = " + conf.conf(direction) : "assumed from this socket's own installs: " + conf.why();
    }

    private SockDiag.TlsConf diag() {
        try {
            enter();
        } catch (ClosedChannelException e) {
            return SockDiag.TlsConf.unknown("the socket is closed");
        }
        try {
            return SockDiag.query(fd);
        } finally {
            exit();
        }
    }

    @Override
    public void install(Direction direction, CryptoInfo info) throws IOException {
        byte[] struct = info.toBytes();
        try {
            install(direction, info.version(), info.cipher(), struct);
        } finally {
            Arrays.fill(struct, (byte) 0);
        }
    }

    /** Test hook: {@code setsockopt(TLS_TX|TLS_RX)} with raw struct bytes of any length (zeroed afterwards). */
    void installRaw(Direction direction, byte[] struct) throws IOException {
        try {
            ByteBuffer b = ByteBuffer.wrap(struct).order(ByteOrder.nativeOrder());
            TlsVersion version = struct.length >= 2 ? versionOrNull(Short.toUnsignedInt(b.getShort(0))) : null;
            CipherType cipher = null;
            if (struct.length >= 4) {
                try {
                    cipher = CipherType.of(Short.toUnsignedInt(b.getShort(2)));
                } catch (KtlsException unknown) {
                    cipher = null;
                }
            }
            install(direction, version, cipher, struct);
        } finally {
            Arrays.fill(struct, (byte) 0);
        }
    }

    private static TlsVersion versionOrNull(int code) {
        try {
            return TlsVersion.of(code);
        } catch (KtlsException e) {
            return null;
        }
    }

    private void install(Direction dir, TlsVersion version, CipherType cipher, byte[] struct) throws IOException {
        enter();
        try {
            boolean rekey = installed[dir.ordinal()] != null;
            int r = Sockopt.setSecret(fd, Native.SOL_TLS, dir.optname(), struct);
            if (r < 0) {
                int errno = -r;
                boolean kernelRekeys = errno == 16 && rekey && version == TlsVersion.TLS_1_3 && KernelTls.supportsRekey();
                KernelFeature missing = null;
                if (!rekey && version != null && cipher != null && (errno == 22 || errno == 2)) {
                    FeatureProbe p = KernelTls.probe(version, cipher);
                    missing = p.supported() ? null : p.feature();
                }
                throw Errors.install(errno, dir, version, cipher, rekey, kernelRekeys, missing);
            }
            installed[dir.ordinal()] = new Installed(version, cipher);
        } finally {
            exit();
        }
    }

    @Override
    public Optional<CryptoInfo> cryptoInfo(Direction direction) throws IOException {
        enter();
        try {
            String call = "getsockopt(SOL_TLS, " + direction + ")";
            Sockopt.Bytes header = Sockopt.getSecret(fd, Native.SOL_TLS, direction.optname(), CipherType.INFO_HEADER_SIZE);
            if (header.errno() == 16) { // EBUSY: nothing installed in that direction
                return Optional.empty();
            }
            if (header.value() == null) {
                throw Errors.option(header.errno(), call, null);
            }
            int cipherId = Short.toUnsignedInt(ByteBuffer.wrap(header.value()).order(ByteOrder.nativeOrder()).getShort(2));
            CipherType cipher = CipherType.of(cipherId);
            Sockopt.Bytes full = Sockopt.getSecret(fd, Native.SOL_TLS, direction.optname(), cipher.structSize());
            if (full.value() == null) {
                throw Errors.option(full.errno(), call, null);
            }
            try {
                return Optional.of(CryptoInfo.fromBytes(full.value()));
            } finally {
                Arrays.fill(full.value(), (byte) 0);
            }
        } finally {
            exit();
        }
    }

    @Override
    public void setRxExpectNoPad(boolean expectNoPad) throws IOException {
        enter();
        try {
            int r = Sockopt.setInt(fd, Native.SOL_TLS, Native.TLS_RX_EXPECT_NO_PAD, expectNoPad ? 1 : 0);
            if (r < 0) {
                throw Errors.option(-r, "setsockopt(SOL_TLS, TLS_RX_EXPECT_NO_PAD)", KernelFeature.RX_EXPECT_NO_PAD);
            }
        } finally {
            exit();
        }
    }

    @Override
    public boolean rxExpectNoPad() throws IOException {
        enter();
        try {
            long r = Sockopt.getUnsigned(fd, Native.SOL_TLS, Native.TLS_RX_EXPECT_NO_PAD, 4);
            if (r < 0) {
                throw Errors.option((int) -r, "getsockopt(SOL_TLS, TLS_RX_EXPECT_NO_PAD)", KernelFeature.RX_EXPECT_NO_PAD);
            }
            return r != 0;
        } finally {
            exit();
        }
    }

    @Override
    public void setTxMaxPayloadLen(int maxPayloadLen) throws IOException {
        if (maxPayloadLen < 0 || maxPayloadLen > 0xffff) {
            throw new KtlsException(Errno.EINVAL, "TLS_TX_MAX_PAYLOAD_LEN is a u16, got " + maxPayloadLen);
        }
        enter();
        try {
            int r = Sockopt.setU16(fd, Native.SOL_TLS, Native.TLS_TX_MAX_PAYLOAD_LEN, maxPayloadLen);
            if (r < 0) {
                throw Errors.option(-r, "setsockopt(SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN)", KernelFeature.TX_MAX_PAYLOAD_LEN);
            }
        } finally {
            exit();
        }
    }

    @Override
    public int txMaxPayloadLen() throws IOException {
        enter();
        try {
            long r = Sockopt.getUnsigned(fd, Native.SOL_TLS, Native.TLS_TX_MAX_PAYLOAD_LEN, 2);
            if (r < 0) {
                throw Errors.option((int) -r, "getsockopt(SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN)", KernelFeature.TX_MAX_PAYLOAD_LEN);
            }
            return (int) r;
        } finally {
            exit();
        }
    }

    @Override
    public long send(ByteBuffer[] srcs, MsgFlag... flags) throws IOException {
        return write(srcs, MsgFlag.mask(flags), -1, "sendmsg");
    }

    @Override
    public int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException {
        return (int) write(new ByteBuffer[] {data}, MsgFlag.mask(flags), type.value(),
                "sendmsg(TLS_SET_RECORD_TYPE " + type + ")");
    }

    private long write(ByteBuffer[] srcs, int userFlags, int recordType, String call) throws IOException {
        boolean blocking = channel.isBlocking() && (userFlags & Native.MSG_DONTWAIT) == 0;
        int flags = userFlags | (channel.isBlocking() ? 0 : Native.MSG_DONTWAIT);
        if ((flags & Native.MSG_MORE) == 0) {
            // MSG_EOR only says "this send ends the record", which every send without MSG_MORE does; kernels
            // that predate MSG_EOR support in tls_sw (6.1 among them) answer EOPNOTSUPP, so it is not passed on.
            flags &= ~Native.MSG_EOR;
        }
        long total = MsgIo.remaining(srcs);
        lockWriter(blocking);
        Readiness writeWait = new Readiness(channel, fd);
        try {
            enter();
            try {
                long done = 0;
                do {
                    long left = total - done;
                    // Heap data goes through native memory in chunks; all but the last keep the record open, so the
                    // records on the wire are the same as for one sendmsg of everything.
                    boolean last = recordType >= 0 || left <= HEAP_CHUNK;
                    int f = last ? flags : (flags | Native.MSG_MORE) & ~Native.MSG_EOR;
                    long r = MsgIo.send(fd, srcs, f, recordType, last ? Long.MAX_VALUE : HEAP_CHUNK);
                    if (r == -Native.EAGAIN && blocking) {
                        writeWait.await(Native.POLLOUT);
                        continue;
                    }
                    if (r < 0) {
                        if (done > 0 && r == -Native.EAGAIN) {
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
                exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void lockWriter(boolean blocking) throws IOException {
        if (blocking) {
            writeLock.lock();
        } else if (!writeLock.tryLock()) {
            throw new WouldBlockException("another writer is sending on this socket");
        }
    }

    @Override
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        lockWriter(channel.isBlocking());
        Readiness writeWait = new Readiness(channel, fd);
        try {
            enter();
            try {
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
                exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        long want = MsgIo.remaining(dsts);
        long n = recv(dsts, MsgFlag.mask(flags), false).result();
        return n == 0 && want > 0 ? -1 : n; // recv's 0 is end of stream
    }

    @Override
    public Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        long want = MsgIo.remaining(dsts);
        MsgIo.Received r = recv(dsts, MsgFlag.mask(flags), true);
        RecordType type = r.recordType() >= 0 ? RecordType.of(r.recordType()) : null;
        if (r.result() == 0 && type == null && want > 0) {
            return new Received(-1, null); // no record, no cmsg: end of stream (an empty record comes with its cmsg)
        }
        // Without a cmsg the bytes are application data (e.g. no TLS_RX key yet: plain TCP).
        return new Received(r.result(), type == null ? RecordType.APPLICATION_DATA : type);
    }

    private MsgIo.Received recv(ByteBuffer[] dsts, int userFlags, boolean control) throws IOException {
        boolean blocking = channel.isBlocking() && (userFlags & Native.MSG_DONTWAIT) == 0;
        int flags = userFlags | (channel.isBlocking() ? 0 : Native.MSG_DONTWAIT);
        long limit = (userFlags & MsgFlag.WAITALL.bit()) != 0 ? Long.MAX_VALUE : HEAP_CHUNK;
        // No reader lock here: the kernel serialises readers itself (and answers a MSG_DONTWAIT reader EAGAIN
        // while another one waits, as tls_err.timeo shows).
        Readiness readWait = new Readiness(channel, fd);
        enter();
        try {
            while (true) {
                MsgIo.Received r = MsgIo.receive(fd, dsts, flags, control, limit);
                if (r.result() >= 0) {
                    readWait.progressed();
                    return r;
                }
                if (r.result() == -Native.EAGAIN && blocking) {
                    readWait.await((short) (Native.POLLIN | Native.POLLRDHUP));
                    continue;
                }
                throw Errors.read((int) -r.result(), control ? "recvmsg" : "recv", this::peekControlType);
            }
        } finally {
            exit();
        }
    }

    /** After EIO: peeks the waiting control record's type with a 1-byte buffer and a control buffer. */
    private RecordType peekControlType() {
        MsgIo.Received p = MsgIo.receive(fd, new ByteBuffer[] {ByteBuffer.allocateDirect(1)},
                Native.MSG_PEEK | Native.MSG_DONTWAIT, true, 1);
        return p.result() >= 0 && p.recordType() >= 0 ? RecordType.of(p.recordType()) : null;
    }

    /**
     * {@code poll(POLLIN)} with a zero timeout; with an RX key installed, a readable answer is confirmed by a
     * {@code MSG_PEEK|MSG_DONTWAIT} read of one byte, because kernels before the partial-record poll fix (6.1
     * among them) report POLLIN as soon as TCP holds any bytes of a record. The peeked record stays queued (the
     * kernel keeps it decrypted for the next read). EAGAIN and EKEYEXPIRED mean not readable; data, end of stream
     * and any other error mean a read would return at once.
     */
    @Override
    public boolean readable() throws IOException {
        enter();
        try {
            if (Readiness.now(fd, (short) (Native.POLLIN | Native.POLLRDHUP)) == 0) {
                return false;
            }
            if (installed[Direction.RX.ordinal()] == null) {
                return true;
            }
            long r = MsgIo.receive(fd, new ByteBuffer[] {ByteBuffer.allocateDirect(1)},
                    Native.MSG_PEEK | Native.MSG_DONTWAIT, true, 1).result();
            return r != -Native.EAGAIN && r != -127;
        } finally {
            exit();
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        enter();
        try {
            channel.shutdownOutput();
        } finally {
            exit();
        }
    }

    @Override
    public KtlsChannel asChannel() {
        return new KtlsChannel(this);
    }

    @Override
    public void close() throws IOException {
        if (closing) {
            return;
        }
        closing = true;
        if (users.get() > 0) {
            // Wake calls blocked in the kernel on this fd before the fd number can be reused.
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                Native.shutdown(arena, fd, Native.SHUT_RDWR);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (users.get() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.yield();
            }
        }
        channel.close();
    }

    private void enter() throws ClosedChannelException {
        users.incrementAndGet();
        if (closing || !channel.isOpen()) {
            users.decrementAndGet();
            throw new ClosedChannelException();
        }
    }

    private void exit() {
        users.decrementAndGet();
    }

    @Override
    public String toString() {
        return "KernelKtlsSocket[fd=" + fd + ", " + channel + "]";
    }
}
