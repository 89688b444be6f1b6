package io.ktls4j.agent;

import io.ktls4j.BackendKind;
import io.ktls4j.BadRecordException;
import io.ktls4j.ControlRecordException;
import io.ktls4j.Direction;
import io.ktls4j.KtlsSocket;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.handshake.SessionInfo;
import io.ktls4j.handshake.TlsAlertException;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.handshake.TlsTruncationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.SocketChannel;
import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TLS connection whose handshake the agent ran: the negotiated {@link SessionInfo} (the same record an in-process
 * {@code KtlsConnection} has) and a {@link ByteChannel} for application data over the kernel's record layer.
 *
 * <p>It behaves as {@code KtlsConnection}: reads return application data and handle the control records in between
 * (close_notify ends the stream with -1; the end of TCP without it is {@link TlsTruncationException}; a fatal alert is
 * {@link TlsAlertException}); {@link #shutdownOutput()} and {@link #close()} send close_notify. What differs: the
 * keys live in the kernel (or, where the agent returned them, in ktls4j's software record layer) and the traffic
 * secrets stay in the agent, so a TLS 1.3 KeyUpdate cannot be followed ({@link #keyUpdate}).
 *
 * <p>Threading: one reader and one writer may use it concurrently.
 */
public final class AgentConnection implements ByteChannel, GatheringByteChannel, ScatteringByteChannel {
    private final KtlsSocket socket;
    private final SessionInfo session;
    private final Map<Direction, Placement> placements;
    private final PostHandshake post;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ByteBuffer spill = ByteBuffer.allocate((1 << 14) + 256);
    private volatile boolean closeNotifyReceived;
    private volatile boolean outputClosed;
    private volatile boolean closed;
    private volatile IOException failure;

    AgentConnection(KtlsSocket socket, SessionInfo session, boolean client, Map<Direction, Placement> placements) {
        this.socket = socket;
        this.session = session;
        this.placements = new EnumMap<>(placements);
        this.post = new PostHandshake(socket, client, session.version(), this::sendAlertQuietly);
    }

    /** What the handshake negotiated. */
    public SessionInfo session() {
        return session;
    }

    public TlsVersion version() {
        return session.version();
    }

    public TlsCipherSuite cipherSuite() {
        return session.cipherSuite();
    }

    /** The ALPN protocol, or null. */
    public String applicationProtocol() {
        return session.applicationProtocol();
    }

    /** The peer's certificate chain, end entity first (empty with a PSK). */
    public List<X509Certificate> peerCertificates() {
        return session.peerCertificates();
    }

    /** Where the agent put {@code direction}'s keys. */
    public Placement placement(Direction direction) {
        return placements.get(direction);
    }

    /**
     * What carries {@code direction}: the record layer's own answer when it knows (the kernel tells through sock_diag
     * with CAP_NET_ADMIN), else what the agent's placement implies.
     */
    public BackendKind backend(Direction direction) {
        BackendKind k = socket.backend(direction);
        if (k != BackendKind.NONE) {
            return k;
        }
        return placements.get(direction) == Placement.KERNEL ? BackendKind.KERNEL_SW : BackendKind.SOFTWARE;
    }

    /** The TCP channel, for registering with a Selector. Do not read or write it directly. */
    public SocketChannel socketChannel() {
        return socket.channel();
    }

    /** The record layer: ktls4j-linux's socket over the consumer's descriptor. Reading it directly bypasses alerts. */
    public KtlsSocket recordLayer() {
        return socket;
    }

    /** NewSessionTickets received (client); dropped, since resumption is not offered. */
    public long sessionTicketsReceived() {
        return post.ticketsReceived();
    }

    public boolean closeNotifyReceived() {
        return closeNotifyReceived;
    }

    /** True when a read would return at once. Never blocks. */
    public boolean readable() throws IOException {
        return spill.position() > 0 || closeNotifyReceived || failure != null || socket.readable();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return (int) read(new ByteBuffer[] {dst}, 0, 1);
    }

    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
        return read(dsts, 0, dsts.length);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        ByteBuffer[] d = java.util.Arrays.copyOfRange(dsts, offset, offset + length);
        readLock.lock();
        try {
            ensureUsable();
            if (closeNotifyReceived) {
                return -1;
            }
            if (remaining(d) == 0) {
                return 0;
            }
            while (true) {
                if (spill.position() > 0) {
                    return drainSpill(d);
                }
                try {
                    long n = socket.read(d);
                    if (n < 0) {
                        throw new TlsTruncationException("the peer ended the TCP stream without close_notify; "
                                + "the data may have been truncated");
                    }
                    return n;
                } catch (ControlRecordException e) {
                    switch (post.processNext(spill)) {
                        case CLOSE_NOTIFY -> {
                            closeNotifyReceived = true;
                            if (session.version() == TlsVersion.TLS_1_2) {
                                sendAlertQuietly(PostHandshake.ALERT_WARNING, PostHandshake.CLOSE_NOTIFY);
                            }
                            return -1;
                        }
                        case END_OF_STREAM -> throw new TlsTruncationException("the peer ended the TCP stream "
                                + "without close_notify; the data may have been truncated");
                        default -> {
                            // handled; read on
                        }
                    }
                } catch (WouldBlockException e) {
                    return 0;
                }
            }
        } catch (ClosedChannelException e) {
            throw e;
        } catch (BadRecordException e) {
            throw fail(alert(20, e)); // bad_record_mac
        } catch (RecordOverflowException e) {
            throw fail(alert(22, e)); // record_overflow
        } catch (IOException e) {
            throw fail(e);
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        ByteBuffer[] s = java.util.Arrays.copyOfRange(srcs, offset, offset + length);
        writeLock.lock();
        try {
            ensureWritable();
            if (remaining(s) == 0) {
                return 0;
            }
            try {
                return socket.send(s);
            } catch (WouldBlockException e) {
                return 0;
            }
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends {@code count} bytes of {@code file} from {@code position}: {@code sendfile(2)} when TX is in the kernel. */
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        writeLock.lock();
        try {
            ensureWritable();
            try {
                return count == 0 ? 0 : socket.sendFile(file, position, count);
            } catch (WouldBlockException e) {
                return 0;
            }
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * A TLS 1.3 KeyUpdate cannot be sent: the traffic secret stays in the agent.
     *
     * @throws io.ktls4j.KernelFeatureException on kernels without TLS 1.3 rekey (before Linux 6.14)
     * @throws AgentException on kernels with it (protocol version 1 does not route KeyUpdates to the agent)
     * @throws IllegalStateException on a TLS 1.2 connection
     */
    public void keyUpdate(boolean requestPeerUpdate) throws IOException {
        if (session.version() != TlsVersion.TLS_1_3) {
            throw new IllegalStateException("KeyUpdate exists only in TLS 1.3; this connection is " + session.version());
        }
        throw PostHandshake.keyUpdateUnavailable();
    }

    /** Sends close_notify and shuts down the TCP output; reading goes on. */
    public void shutdownOutput() throws IOException {
        writeLock.lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (!outputClosed) {
                outputClosed = true;
                socket.sendControl(RecordType.ALERT, ByteBuffer.wrap(new byte[] {1, PostHandshake.CLOSE_NOTIFY}));
                socket.shutdownOutput();
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed && socket.channel().isOpen();
    }

    /** Sends close_notify (unless sent already, failed, or a writer is busy) and closes the socket. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (writeLock.tryLock()) {
                try {
                    if (!outputClosed && failure == null) {
                        outputClosed = true;
                        socket.sendControl(RecordType.ALERT, ByteBuffer.wrap(new byte[] {1, PostHandshake.CLOSE_NOTIFY}));
                    }
                } catch (IOException ignored) {
                    // the peer may be gone; closing is what matters
                } finally {
                    writeLock.unlock();
                }
            }
        } finally {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "AgentConnection[" + session + ", TX " + placements.get(Direction.TX) + ", RX "
                + placements.get(Direction.RX) + (closed ? ", closed" : "") + "]";
    }

    private TlsAlertException alert(int description, IOException cause) {
        sendAlertQuietly(PostHandshake.ALERT_FATAL, description);
        return new TlsAlertException(description, false, false, cause.getMessage(), cause);
    }

    private void sendAlertQuietly(int level, int description) {
        writeLock.lock();
        try {
            if (!outputClosed && !closed) {
                if (level == PostHandshake.ALERT_FATAL || description == PostHandshake.CLOSE_NOTIFY) {
                    outputClosed = true;
                }
                socket.sendControl(RecordType.ALERT, ByteBuffer.wrap(new byte[] {(byte) level, (byte) description}));
            }
        } catch (IOException ignored) {
            // best effort
        } finally {
            writeLock.unlock();
        }
    }

    private IOException fail(IOException e) {
        if (e instanceof WouldBlockException) {
            return e;
        }
        if (failure == null) {
            failure = e;
        }
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // already failing
        }
        return e;
    }

    private void ensureUsable() throws IOException {
        IOException f = failure;
        if (f != null) {
            throw f;
        }
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    private void ensureWritable() throws IOException {
        ensureUsable();
        if (outputClosed) {
            throw new ClosedChannelException();
        }
    }

    private long drainSpill(ByteBuffer[] dsts) {
        spill.flip();
        long n = 0;
        for (ByteBuffer d : dsts) {
            int k = Math.min(d.remaining(), spill.remaining());
            d.put(d.position(), spill, spill.position(), k);
            d.position(d.position() + k);
            spill.position(spill.position() + k);
            n += k;
        }
        spill.compact();
        return n;
    }

    private static long remaining(ByteBuffer[] bufs) {
        long n = 0;
        for (ByteBuffer b : bufs) {
            n += b.remaining();
        }
        return n;
    }
}
