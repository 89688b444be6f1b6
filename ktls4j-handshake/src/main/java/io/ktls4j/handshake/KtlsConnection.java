package io.ktls4j.handshake;

import io.ktls4j.BackendKind;
import io.ktls4j.BadRecordException;
import io.ktls4j.ControlRecordException;
import io.ktls4j.Direction;
import io.ktls4j.KtlsPipe;
import io.ktls4j.KtlsSocket;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.handshake.spi.ClientSessionTickets;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import io.ktls4j.handshake.spi.TrafficSecrets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.SocketChannel;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.bouncycastle.tls.AlertDescription;

/**
 * An established TLS connection whose records are protected by a {@link KtlsSocket} (kernel or software): the
 * negotiated {@link SessionInfo} and a {@link ByteChannel} for application data.
 *
 * <p>Reads return application data and handle the control records in between: close_notify ends the stream (-1;
 * in TLS 1.3 this end may go on writing, in TLS 1.2 it answers with its own close_notify), a fatal alert throws
 * {@link TlsAlertException}, a NewSessionTicket is counted and dropped, a KeyUpdate installs the next key (and is
 * answered when the peer asks). The end of the TCP stream without close_notify throws {@link TlsTruncationException}.
 *
 * <p>Blocking follows the {@link SocketChannel}'s mode. In non-blocking mode reads and writes that cannot progress
 * return 0, as for any NIO channel ({@code io.ktls4j}'s would-block convention; {@link #keyUpdate} throws
 * {@link WouldBlockException} instead); register {@link #socketChannel()} with a Selector, and check {@link #readable()}
 * before selecting, since a software record layer may hold decrypted bytes the selector cannot see.
 *
 * <p>One reader and one writer may work concurrently. {@link #close()} sends close_notify and closes the socket.
 */
public final class KtlsConnection implements ByteChannel, GatheringByteChannel, ScatteringByteChannel {
    private final KtlsSocket socket;
    private final SessionInfo session;
    private final PostHandshakeDuties duties;
    private final KeyUpdater keyUpdater;
    private final PostHandshakeProcessor post;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Application data the control path read (rarely: it should not be there); null when none is held. */
    private ByteBuffer spill;
    private volatile boolean closeNotifyReceived;
    private volatile boolean outputClosed;
    private volatile boolean closed;
    private volatile IOException failure;
    private volatile long ticketsSent;

    /**
     * @param initialTxRecords records already sent under the first TX key
     * @param confirmWithLiveSeq whether the AEAD-limit check may read the TX {@code rec_seq} (and key) back
     */
    KtlsConnection(KtlsSocket socket, SessionInfo session, Role role, PostHandshakeDuties duties, long keyUpdateLimit,
            long initialTxRecords, boolean confirmWithLiveSeq) throws IOException {
        this.socket = socket;
        this.session = session;
        this.duties = duties;
        this.keyUpdater = new KeyUpdater(socket, session.version(), session.cipherSuite().cipher(), duties,
                keyUpdateLimit, initialTxRecords, confirmWithLiveSeq);
        this.post = new PostHandshakeProcessor(socket, role == Role.CLIENT, session.version(), keyUpdater, duties,
                this::sendAlertQuietly, writeLock);
    }

    /** {@link io.ktls4j.handshake.spi.Handshakes#takeTrafficSecrets}. */
    Optional<TrafficSecrets> takeTrafficSecrets() {
        writeLock.lock();
        readLock.lock();
        try {
            return duties instanceof InProcessDuties d ? Optional.ofNullable(d.take()) : Optional.empty();
        } finally {
            readLock.unlock();
            writeLock.unlock();
        }
    }

    /** {@link io.ktls4j.handshake.spi.Handshakes#takeClientTickets}. */
    Optional<ClientSessionTickets> takeClientTickets() {
        readLock.lock();
        try {
            return Optional.ofNullable(post.takeTickets());
        } finally {
            readLock.unlock();
        }
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

    /** The peer's certificate chain, end entity first (empty when it authenticated with a PSK or not at all). */
    public List<X509Certificate> peerCertificates() {
        return session.peerCertificates();
    }

    /** What carries each direction: {@link BackendKind#SOFTWARE}, {@link BackendKind#KERNEL_SW}, ... */
    public BackendKind backend(Direction direction) {
        return socket.backend(direction);
    }

    /** The underlying TCP channel, for registering with a Selector. Do not read or write it directly. */
    public SocketChannel socketChannel() {
        return socket.channel();
    }

    /** The record layer, e.g. for {@link KtlsSocket#cryptoInfo} or statistics. Reading it directly bypasses alerts. */
    public KtlsSocket recordLayer() {
        return socket;
    }

    /** KeyUpdates this end has sent (by {@link #keyUpdate}, automatically, or in answer to the peer). */
    public long keyUpdatesSent() {
        return keyUpdater.updatesSent();
    }

    /** KeyUpdates received from the peer. */
    public long keyUpdatesReceived() {
        return keyUpdater.updatesReceived();
    }

    /**
     * NewSessionTickets received (client). With resumption on they are kept in the context's
     * {@link KtlsContext#sessionCache() session cache} (an agent connection hands each to the agent instead).
     */
    public long sessionTicketsReceived() {
        return post.ticketsReceived();
    }

    /** NewSessionTickets this end sent after the handshake (server). */
    public long sessionTicketsSent() {
        return ticketsSent;
    }

    /**
     * True when the handshake resumed an earlier session (a TLS 1.3 ticket, a TLS 1.2 session ID or ticket):
     * {@link SessionInfo#resumed()}.
     */
    public boolean isResumed() {
        return session.resumed();
    }

    /**
     * Server: sends NewSessionTicket messages right after the handshake, as one handshake record through the record
     * layer (a control record when TX is in the kernel). Best effort: a record layer that would block or cannot
     * send drops them (the client then has nothing to resume with; a broken socket shows at the next write).
     */
    void sendSessionTickets(byte[] messages) throws IOException {
        writeLock.lock();
        try {
            socket.sendControl(RecordType.HANDSHAKE, ByteBuffer.wrap(messages));
            keyUpdater.afterSend(messages.length);
            ticketsSent += PostHandshakeMessages.count(messages);
        } catch (IOException e) {
            // the client simply has no ticket to resume with
        } finally {
            writeLock.unlock();
        }
    }

    /** Client: keeps the NewSessionTickets read from now on. */
    void keepSessionTickets(ClientTickets tickets) {
        post.keepTickets(tickets);
    }

    /** True once the peer's close_notify has been read. */
    public boolean closeNotifyReceived() {
        return closeNotifyReceived;
    }

    /** True when a read would return at once (data, end of stream or an error). Never blocks. */
    public boolean readable() throws IOException {
        return spill != null || closeNotifyReceived || failure != null || socket.readable();
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
        ByteBuffer[] d = slice(dsts, offset, length);
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
                if (spill != null) {
                    return drainSpill(d);
                }
                try {
                    long n = socket.read(d);
                    return n < 0 ? truncated() : n;
                } catch (ControlRecordException e) {
                    switch (post.processNext(this::spill)) {
                        case CLOSE_NOTIFY -> {
                            return onCloseNotify();
                        }
                        case END_OF_STREAM -> {
                            return truncated();
                        }
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
            throw fail(alert(AlertDescription.bad_record_mac, e));
        } catch (RecordOverflowException e) {
            throw fail(alert(AlertDescription.record_overflow, e));
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

    /** Writes application data: one record per call, or full-size records for large buffers. */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        ByteBuffer[] s = slice(srcs, offset, length);
        return send(remaining(s), () -> socket.send(s));
    }

    /** Sends {@code count} bytes of {@code file} from {@code position} ({@code sendfile(2)} on the kernel backend). */
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        return send(count, () -> socket.sendFile(file, position, count));
    }

    /**
     * Sends {@code len} bytes that are in {@code pipe} as application data ({@link KtlsSocket#spliceFrom}: on the
     * kernel backend {@code splice(2)}, the bytes never in user space), under this connection's write side as
     * {@link #write} is: a KeyUpdate answer owed to the peer goes out first, a KeyUpdate sent meanwhile (by a read
     * answering the peer, {@link #keyUpdate}, the AEAD limits) never falls between these records, and they count
     * towards the key's limit. Call it only with bytes known to be in the pipe: it waits for the socket, not for them.
     *
     * @return the bytes moved, 0 when none could be without blocking
     */
    public long spliceFrom(KtlsPipe pipe, long len) throws IOException {
        return send(len, () -> socket.spliceFrom(pipe, len));
    }

    /** One send of application data on the record layer. */
    @FunctionalInterface
    private interface Send {
        long send() throws IOException;
    }

    /**
     * Sends up to {@code count} bytes of application data with {@code send}, holding the write side: a KeyUpdate owed
     * to the peer goes out first, one due at the AEAD limit before, and the records count towards the key's limit.
     * Returns the bytes sent, 0 when nothing could be without blocking.
     */
    private long send(long count, Send send) throws IOException {
        writeLock.lock();
        try {
            ensureWritable();
            if (count == 0 || !keyUpdater.flushPendingResponse()) {
                return 0;
            }
            keyUpdater.beforeSend(count);
            long n;
            try {
                n = send.send();
            } catch (WouldBlockException e) {
                return 0;
            }
            keyUpdater.afterSend(n);
            return n;
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * TLS 1.3: sends a KeyUpdate and switches to the next TX key; with {@code requestPeerUpdate} the peer is asked to
     * update its key too (its KeyUpdate is handled by a later read).
     *
     * @throws IllegalStateException on a TLS 1.2 connection
     * @throws io.ktls4j.KernelFeatureException when the record layer cannot rekey (Linux before 6.14)
     */
    public void keyUpdate(boolean requestPeerUpdate) throws IOException {
        writeLock.lock();
        try {
            ensureWritable();
            if (!keyUpdater.flushPendingResponse()) {
                throw new WouldBlockException("a KeyUpdate owed to the peer could not be sent yet");
            }
            keyUpdater.sendKeyUpdate(requestPeerUpdate);
        } catch (ClosedChannelException | IllegalStateException | WouldBlockException e) {
            throw e;
        } catch (IOException e) {
            throw fail(e);
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends close_notify and shuts down the TCP output; reading goes on (a TLS 1.3 half-close). */
    public void shutdownOutput() throws IOException {
        writeLock.lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (!outputClosed) {
                outputClosed = true;
                socket.sendControl(RecordType.ALERT,
                        ByteBuffer.wrap(Alerts.encode(Alerts.LEVEL_WARNING, Alerts.CLOSE_NOTIFY)));
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

    /** Sends close_notify (unless already sent or a writer is busy) and closes the socket; zeroes the key schedules. */
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
                        socket.sendControl(RecordType.ALERT,
                                ByteBuffer.wrap(Alerts.encode(Alerts.LEVEL_WARNING, Alerts.CLOSE_NOTIFY)));
                    }
                } catch (IOException ignored) {
                    // the peer may be gone already; closing is what matters
                } finally {
                    writeLock.unlock();
                }
            }
        } finally {
            try {
                socket.close();
            } finally {
                keyUpdater.destroy();
                post.destroy();
            }
        }
    }

    @Override
    public String toString() {
        return "KtlsConnection[" + session + ", TX " + socket.backend(Direction.TX) + ", RX "
                + socket.backend(Direction.RX) + (closed ? ", closed" : "") + "]";
    }

    private long onCloseNotify() {
        closeNotifyReceived = true;
        if (session.version() == TlsVersion.TLS_1_2) {
            // RFC 5246 §7.2.1: answer with our own close_notify; no more writes.
            sendAlertQuietly(Alerts.LEVEL_WARNING, Alerts.CLOSE_NOTIFY);
        }
        return -1;
    }

    private long truncated() throws IOException {
        throw new TlsTruncationException("the peer ended the TCP stream without close_notify; "
                + "the data may have been truncated");
    }

    private TlsAlertException alert(int description, IOException cause) {
        sendAlertQuietly(Alerts.LEVEL_FATAL, description);
        return new TlsAlertException(description, false, false, cause.getMessage(), cause);
    }

    /**
     * Sends an alert if output is still open (best effort: skipped when a writer has held the socket for long, since
     * its send is stuck on a full socket). After a fatal alert or close_notify nothing more is written.
     */
    private void sendAlertQuietly(int level, int description) {
        try {
            if (!writeLock.tryLock(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (!outputClosed && !closed) {
                if (level == Alerts.LEVEL_FATAL || description == Alerts.CLOSE_NOTIFY) {
                    outputClosed = true;
                }
                socket.sendControl(RecordType.ALERT, ByteBuffer.wrap(Alerts.encode(level, description)));
            }
        } catch (IOException ignored) {
            // best effort: the connection is failing anyway
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
            RecordErrorEvent event = new RecordErrorEvent();
            if (event.shouldCommit()) {
                event.errno = e instanceof io.ktls4j.KtlsException k ? k.errno().name() : "";
                event.error = e.getClass().getSimpleName();
                event.message = e.getMessage();
                event.backend = socket.backend(Direction.RX).name();
                event.commit();
            }
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // already failing
        }
        closed = true;
        keyUpdater.destroy();
        post.destroy();
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

    private void spill(ByteBuffer data) {
        ByteBuffer held = spill == null ? ByteBuffer.allocate(0) : spill;
        ByteBuffer merged = ByteBuffer.allocate(held.remaining() + data.remaining());
        spill = merged.put(held).put(data).flip();
    }

    private long drainSpill(ByteBuffer[] dsts) {
        long n = 0;
        for (ByteBuffer d : dsts) {
            int k = Math.min(d.remaining(), spill.remaining());
            d.put(d.position(), spill, spill.position(), k);
            d.position(d.position() + k);
            spill.position(spill.position() + k);
            n += k;
        }
        if (!spill.hasRemaining()) {
            spill = null;
        }
        return n;
    }

    private static long remaining(ByteBuffer[] bufs) {
        long n = 0;
        for (ByteBuffer b : bufs) {
            n += b.remaining();
        }
        return n;
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
