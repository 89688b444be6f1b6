package io.ktls4j.agent.daemon;

import io.ktls4j.BackendKind;
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
import io.ktls4j.TlsBackend;
import io.ktls4j.agent.Placement;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The record layer the agent hands a finished handshake to: it only takes keys. {@link #install} puts a direction's
 * keys into the kernel ({@code setsockopt(SOL_TLS, TLS_TX|TLS_RX)} on the consumer's socket, through the
 * {@link KernelPort}) or, where the kernel
 * cannot and the credential allows it, keeps a copy to return to the consumer. Of the records after the handshake the
 * agent sends only a server's NewSessionTickets, as one handshake record through the kernel's TX key
 * ({@link #sendControl}), so that the ticket keys never leave the agent (when TX goes back to the consumer it keeps the
 * messages for the reply instead: {@link #takeTicketsForConsumer}); it reads none, every other I/O method refuses
 * (EOPNOTSUPP), and {@link #close()} leaves the socket alone ({@link AdoptedSocket} owns the agent's descriptors).
 *
 * <p>It is also its own {@link TlsBackend}: {@code attach} returns this socket (the ULP was attached before the
 * handshake, or kTLS is absent).
 */
final class HandoffSocket implements KtlsSocket, TlsBackend {
    /**
     * How long tickets may wait for room in a send buffer that the handshake just emptied; past that they are dropped
     * (the client has nothing to resume with), never the connection.
     */
    private static final long TICKET_WAIT_MILLIS = 100;

    private final SocketChannel channel;
    private final int fd;
    private final KernelPort port;
    private final boolean kernel;
    private final boolean allowSoftwareReturn;
    private final Map<Direction, Placement> placements = new EnumMap<>(Direction.class);
    private final Map<Direction, CryptoInfo> returned = new EnumMap<>(Direction.class);
    private byte[] ticketsForConsumer;
    private volatile IOException kernelRefusal;

    /**
     * @param kernel whether the tls ULP is attached to the socket (false: kTLS is absent)
     * @param allowSoftwareReturn the credential's {@code allow-software-return}
     */
    HandoffSocket(SocketChannel channel, int fd, KernelPort port, boolean kernel, boolean allowSoftwareReturn) {
        this.channel = channel;
        this.fd = fd;
        this.port = port;
        this.kernel = kernel;
        this.allowSoftwareReturn = allowSoftwareReturn;
    }

    @Override
    public String name() {
        return "agent handoff";
    }

    @Override
    public KtlsSocket attach(SocketChannel c) throws IOException {
        if (c != channel) {
            throw new IllegalArgumentException("this record layer belongs to another channel");
        }
        return this;
    }

    @Override
    public synchronized void install(Direction direction, CryptoInfo info) throws IOException {
        IOException refused;
        if (kernel) {
            try {
                port.install(fd, direction, info, false);
                placements.put(direction, Placement.KERNEL);
                return;
            } catch (IOException e) {
                refused = e;
            }
        } else {
            refused = new KtlsException(Errno.ENOENT, "this kernel has no kTLS (the tls ULP does not attach)");
        }
        if (!allowSoftwareReturn) {
            kernelRefusal = refused;
            throw refused;
        }
        returned.put(direction, info.copy());
        placements.put(direction, Placement.SOFTWARE);
    }

    /** Where each installed direction went. */
    synchronized Map<Direction, Placement> placements() {
        return new EnumMap<>(placements);
    }

    /** The keys kept for the consumer; the caller takes ownership (they are removed from here). */
    synchronized Map<Direction, CryptoInfo> takeReturned() {
        Map<Direction, CryptoInfo> r = new EnumMap<>(returned);
        returned.clear();
        return r;
    }

    /**
     * The NewSessionTicket messages issued while TX goes back to the consumer, for the reply (the consumer sends them
     * first under the returned key), or null.
     */
    synchronized byte[] takeTicketsForConsumer() {
        byte[] t = ticketsForConsumer;
        ticketsForConsumer = null;
        return t;
    }

    /** Why the kernel refused a direction the policy would not return, or null. */
    IOException kernelRefusal() {
        return kernelRefusal;
    }

    /** Zeroes any kept keys (a failed handshake). */
    synchronized void destroy() {
        returned.values().forEach(CryptoInfo::destroy);
        returned.clear();
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    @Override
    public synchronized BackendKind backend(Direction direction) {
        Placement p = placements.get(direction);
        return p == null ? BackendKind.NONE : p == Placement.KERNEL ? BackendKind.KERNEL_SW : BackendKind.SOFTWARE;
    }

    /** KeyUpdater asks it once; the agent never writes records, so the kernel's default is the answer. */
    @Override
    public int txMaxPayloadLen() {
        return 1 << 14;
    }

    @Override
    public void close() {
        // the agent's descriptors belong to AdoptedSocket; nothing is sent, nothing is shut down
    }

    private static KtlsException refuse(String call) {
        return new KtlsException(Errno.EOPNOTSUPP, call + ": the agent does not use a socket after handing it back");
    }

    @Override
    public Optional<CryptoInfo> cryptoInfo(Direction direction) throws IOException {
        throw refuse("getsockopt(" + direction + ")");
    }

    @Override
    public void setRxExpectNoPad(boolean expectNoPad) throws IOException {
        throw refuse("setsockopt(TLS_RX_EXPECT_NO_PAD)");
    }

    @Override
    public boolean rxExpectNoPad() throws IOException {
        throw refuse("getsockopt(TLS_RX_EXPECT_NO_PAD)");
    }

    @Override
    public void setTxMaxPayloadLen(int maxPayloadLen) throws IOException {
        throw refuse("setsockopt(TLS_TX_MAX_PAYLOAD_LEN)");
    }

    @Override
    public long send(ByteBuffer[] srcs, MsgFlag... flags) throws IOException {
        throw refuse("sendmsg");
    }

    /**
     * The server's NewSessionTickets, right after the handshake: when TX went to the kernel, sent (the kernel numbers
     * the record; the consumer's first record follows it); when TX goes back to the consumer, kept for the reply (the
     * consumer's record sequence must start where the returned key says, so the consumer sends them). Any other record
     * (the close_notify a closing connection sends, in particular) is refused.
     */
    @Override
    public int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException {
        byte[] record = new byte[data.remaining()];
        synchronized (this) {
            Placement tx = placements.get(Direction.TX);
            if (type != RecordType.HANDSHAKE || tx == null) {
                throw refuse("sendmsg(" + type + ")");
            }
            data.get(record);
            if (tx == Placement.SOFTWARE) {
                ticketsForConsumer = ticketsForConsumer == null ? record : concat(ticketsForConsumer, record);
                return record.length;
            }
        }
        port.sendControl(fd, type, record, TICKET_WAIT_MILLIS);
        return record.length;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        throw refuse("sendfile");
    }

    @Override
    public long spliceFrom(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException {
        throw refuse("splice(pipe → socket)");
    }

    @Override
    public long spliceTo(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException {
        throw refuse("splice(socket → pipe)");
    }

    @Override
    public void setRcvLowat(int bytes) throws IOException {
        throw refuse("setsockopt(SO_RCVLOWAT)");
    }

    @Override
    public int rcvLowat() throws IOException {
        throw refuse("getsockopt(SO_RCVLOWAT)");
    }

    @Override
    public long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        throw refuse("recv");
    }

    @Override
    public Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException {
        throw refuse("recvmsg");
    }

    @Override
    public boolean readable() throws IOException {
        throw refuse("poll");
    }

    @Override
    public void shutdownOutput() throws IOException {
        throw refuse("shutdown");
    }

    @Override
    public KtlsChannel asChannel() {
        throw new UnsupportedOperationException("the agent does not use a socket after handing it back");
    }

    @Override
    public String toString() {
        return "HandoffSocket[fd=" + fd + (kernel ? ", kernel" : ", no kTLS") + ", " + placements + "]";
    }
}
