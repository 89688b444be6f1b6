package io.ktls4j.linux;

import io.ktls4j.BackendKind;
import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KtlsChannel;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.SpliceFlag;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.FdGuard;
import io.ktls4j.linux.internal.MsgIo;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Readiness;
import io.ktls4j.linux.internal.SockDiag;
import io.ktls4j.linux.internal.Sockopt;
import io.ktls4j.records.TlsRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Optional;

/**
 * A socket with the kernel's tls ULP attached: every method is the socket call it names, made through FFM on the
 * channel's file descriptor, so the semantics are the running kernel's own.
 *
 * <p>Blocking follows the channel: in non-blocking mode every call adds {@code MSG_DONTWAIT}. In blocking mode a
 * platform thread's call blocks in the kernel; if the JDK has made the fd non-blocking anyway (it does once a virtual
 * thread has used the channel), the call waits with {@code poll(2)} and retries. A virtual thread's call never blocks
 * in the kernel (that would hold its carrier): it adds {@code MSG_DONTWAIT} (and {@code sendfile} sets
 * {@code O_NONBLOCK}, as the JDK does), and waits parked while one shared platform thread polls the fd. Blocking calls are not interruptible;
 * {@link #close()} wakes them by shutting the socket down first. Do not close the {@link #channel()} directly while a
 * call is in progress: the fd number could be reused under the call.
 *
 * <p>Threading: the kernel serialises readers itself (a {@code MSG_DONTWAIT} read while another reader waits is
 * EAGAIN, as in {@code tls_err.timeo}), so reads take no Java lock; writers are serialised by a lock because a send of
 * a large heap buffer takes several {@code sendmsg} calls (a non-blocking writer that finds it taken gets
 * {@link WouldBlockException}).
 *
 * <p>Where this backend adds to the bare syscalls: {@link #readable()} confirms {@code poll}'s answer with a one-byte
 * {@code MSG_PEEK} when an RX key is installed (6.1's {@code poll} reports a partial record as readable);
 * {@link MsgFlag#EOR} without {@link MsgFlag#MORE} is not passed to the kernel (it means what a send without
 * {@code MSG_MORE} already does, and kernels such as 6.1 refuse it with EOPNOTSUPP); a {@link io.ktls4j.ControlRecordException}
 * carries the record type, peeked with a control buffer after the kernel's EIO; an end of stream inside a record,
 * which the kernel reports as a clean EOF, is EPROTO when bytes of the incomplete record are left in the TCP receive
 * queue ({@code SIOCINQ}).
 *
 * <p>Notes on the kernel's answers: {@link #txMaxPayloadLen()} and {@link #setTxMaxPayloadLen} throw
 * {@link io.ktls4j.KernelFeatureException} (ENOPROTOOPT) on kernels before 6.19, the getter included, because such
 * a kernel cannot report the option (its records are then always up to 16384 bytes). A second {@link #install} of a
 * TLS 1.3 direction on a kernel without rekey throws {@link io.ktls4j.KernelFeatureException} (EBUSY, 6.14).
 * {@link #sendFile} is {@link FileChannel#transferTo}, which the JDK implements with {@code sendfile(2)}; its I/O
 * errors are the JDK's {@link IOException}s.
 */
public final class KernelKtlsSocket implements KtlsSocket {
    private final SocketChannel channel;
    private final int fd;
    private final FdGuard guard;
    private final KernelDataPath io;
    private final java.util.concurrent.atomic.AtomicReferenceArray<Installed> installed =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(2);

    /** What is installed in one direction: never the keys themselves. */
    private record Installed(TlsVersion version, CipherType cipher) {
    }

    KernelKtlsSocket(SocketChannel channel, int fd) {
        this.channel = channel;
        this.fd = fd;
        this.guard = new FdGuard(channel, fd);
        this.io = new KernelDataPath(guard);
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
        return installed.get(direction.ordinal()) == null ? BackendKind.NONE : BackendKind.KERNEL_SW;
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
            boolean rekey = installed.get(dir.ordinal()) != null;
            int r = Sockopt.setSecret(fd, Native.SOL_TLS, dir.optname(), struct);
            if (r < 0) {
                int errno = -r;
                Errno e = Errno.ofCode(errno);
                boolean kernelRekeys = e == Errno.EBUSY && rekey && version == TlsVersion.TLS_1_3
                        && KernelTls.supportsRekey();
                KernelFeature missing = null;
                if (!rekey && version != null && cipher != null && (e == Errno.EINVAL || e == Errno.ENOENT)) {
                    FeatureProbe p = KernelTls.probe(version, cipher);
                    missing = p.supported() ? null : p.feature();
                }
                throw Errors.install(errno, dir, version, cipher, rekey, kernelRekeys, missing);
            }
            installed.set(dir.ordinal(), new Installed(version, cipher));
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
            if (r == -Errno.ENOPROTOOPT.code()) {
                return TlsRecords.MAX_PLAINTEXT; // before 6.19 the option does not exist and records are up to 2^14
            }
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
        return io.write(srcs, MsgFlag.mask(flags), -1, "sendmsg");
    }

    @Override
    public int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException {
        return (int) io.write(new ByteBuffer[] {data}, MsgFlag.mask(flags), type.value(),
                "sendmsg(TLS_SET_RECORD_TYPE " + type + ")");
    }

    @Override
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        return io.sendFile(file, position, count);
    }

    /** {@code splice(2)} from {@code pipe}, which must be a {@link KernelPipe}. */
    @Override
    public long spliceFrom(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException {
        return io.spliceFrom(kernelPipe(pipe).readFd(), len, SpliceFlag.mask(flags));
    }

    /**
     * {@code splice(2)} into {@code pipe}, which must be a {@link KernelPipe}; the kernel's 0 at end of stream is -1.
     * Kernels without the zero-length-record fix of {@code tls_sw_splice_read} (6.1 among them) answer 0 for an empty
     * data record, which would read as end of stream: a 0 while the peer has not shut down (no {@code POLLRDHUP})
     * means such a record was consumed, and the splice is made again, as newer kernels skip the record themselves.
     */
    @Override
    public long spliceTo(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException {
        int pipeFd = kernelPipe(pipe).writeFd();
        while (true) {
            long n = io.spliceTo(pipeFd, len, SpliceFlag.mask(flags));
            if (n != 0 || len <= 0) {
                return n;
            }
            if (installed.get(Direction.RX.ordinal()) == null || peerShutDown()) {
                checkTruncation("splice");
                return -1;
            }
        }
    }

    private boolean peerShutDown() throws IOException {
        enter();
        try {
            return (Readiness.now(fd, Native.POLLRDHUP) & Native.POLLRDHUP) != 0;
        } finally {
            exit();
        }
    }

    private static KernelPipe kernelPipe(KtlsPipe pipe) throws KtlsException {
        if (pipe instanceof KernelPipe k) {
            return k;
        }
        throw new KtlsException(Errno.EINVAL, "splice: the kernel backend splices only with a pipe2(2) pipe"
                + " (KernelBackend.openPipe()), not with " + pipe.getClass().getSimpleName());
    }

    @Override
    public void setRcvLowat(int bytes) throws IOException {
        enter();
        try {
            int r = Sockopt.setInt(fd, Native.SOL_SOCKET, Native.SO_RCVLOWAT, bytes);
            if (r < 0) {
                throw Errors.option(-r, "setsockopt(SOL_SOCKET, SO_RCVLOWAT, " + bytes + ")", null);
            }
        } finally {
            exit();
        }
    }

    @Override
    public int rcvLowat() throws IOException {
        enter();
        try {
            long r = Sockopt.getUnsigned(fd, Native.SOL_SOCKET, Native.SO_RCVLOWAT, 4);
            if (r < 0) {
                throw Errors.option((int) -r, "getsockopt(SOL_SOCKET, SO_RCVLOWAT)", null);
            }
            return (int) r;
        } finally {
            exit();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        long want = MsgIo.remaining(dsts);
        long n = io.recv(dsts, MsgFlag.mask(flags), false).result();
        if (n == 0 && want > 0) { // recv's 0 is end of stream
            checkTruncation("recv");
            return -1;
        }
        return n;
    }

    @Override
    public Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        long want = MsgIo.remaining(dsts);
        MsgIo.Received r = io.recv(dsts, MsgFlag.mask(flags), true);
        RecordType type = r.recordType() >= 0 ? RecordType.of(r.recordType()) : null;
        if (r.result() == 0 && type == null && want > 0) {
            checkTruncation("recvmsg");
            return new Received(-1, null); // no record, no cmsg: end of stream (an empty record comes with its cmsg)
        }
        // Without a cmsg the bytes are application data (e.g. no TLS_RX key yet: plain TCP).
        return new Received(r.result(), type == null ? RecordType.APPLICATION_DATA : type);
    }

    /**
     * At end of stream with an RX key installed: bytes still in the TCP receive queue ({@code SIOCINQ}) are the
     * start of a record that will never complete. The kernel drops them and reports a clean EOF; ktls4j's contract
     * reports the truncation as EPROTO (every later read too, as the bytes stay).
     */
    private void checkTruncation(String call) throws IOException {
        if (installed.get(Direction.RX.ordinal()) == null) {
            return;
        }
        enter();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            int inq = Native.ioctlInt(arena, fd, Native.SIOCINQ);
            if (inq > 0) {
                throw new KtlsException(Errno.EPROTO, call + ": the stream ended inside a record (" + inq
                        + " bytes of an incomplete record are left; the kernel itself reports a clean end of stream)");
            }
        } finally {
            exit();
        }
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
            if (installed.get(Direction.RX.ordinal()) == null) {
                return true;
            }
            long r = MsgIo.receive(fd, new ByteBuffer[] {ByteBuffer.allocateDirect(1)},
                    Native.MSG_PEEK | Native.MSG_DONTWAIT, true, 1).result();
            return r != -Errno.EAGAIN.code() && r != -Errno.EKEYEXPIRED.code();
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
        guard.close();
    }

    private void enter() throws ClosedChannelException {
        guard.enter();
    }

    private void exit() {
        guard.exit();
    }

    @Override
    public String toString() {
        return "KernelKtlsSocket[fd=" + fd + ", " + channel + "]";
    }
}
