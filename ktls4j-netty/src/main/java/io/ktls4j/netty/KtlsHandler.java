package io.ktls4j.netty;

import io.ktls4j.BackendKind;
import io.ktls4j.BadRecordException;
import io.ktls4j.Direction;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.Role;
import io.ktls4j.handshake.SessionInfo;
import io.ktls4j.handshake.TlsAlertException;
import io.ktls4j.handshake.TlsHandshakeException;
import io.ktls4j.handshake.TlsHandshakeTimeoutException;
import io.ktls4j.handshake.TlsTruncationException;
import io.ktls4j.handshake.spi.EstablishedKeys;
import io.ktls4j.handshake.spi.HandshakeEngine;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.records.Opened;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.PendingWriteQueue;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;

/**
 * TLS for a Netty channel from a {@link KtlsContext}, with the records in the kernel where it can take them:
 * {@code pipeline.addFirst(new KtlsHandler(context))} where a pipeline would have {@code SslHandler}.
 *
 * <p>The handshake (BouncyCastle, {@link HandshakeEngine}) runs on the channel's bytes inside the event loop and never
 * blocks it. When it completes, every handshake byte is written first, then each direction is placed as
 * {@code KtlsConnection} places it, with the same {@link BackendPolicy} (from the context's backend, or given here),
 * reasons and statistics:
 * <ul>
 * <li>TX in the kernel on an epoll channel ({@code TLS_TX} on its descriptor): application writes, gathering writes
 * and {@code DefaultFileRegion}s ({@code sendfile(2)}) go to the transport as plaintext and the kernel makes the
 * records; otherwise (NIO, no kTLS, a cipher the kernel lacks, policy SOFTWARE) the software record layer seals
 * records in this handler, and a FileRegion is read and sealed in the JVM;
 * <li>RX in the software record layer in this handler, on every transport (see {@link TxPlacement} for the Netty API
 * that keeps kernel RX out of reach).
 * </ul>
 * Bytes that arrived after the handshake's last record are opened in order, as if they had come later. Writes made
 * before the handshake completed wait and go out after it, in order.
 *
 * <p>Events: a {@link KtlsHandshakeCompletionEvent} when the handshake has ended (with the {@link KtlsSession}, or
 * the typed cause, also fired as {@code exceptionCaught}, after which the channel is closed with the alert the failure
 * calls for); {@link SslCloseCompletionEvent#SUCCESS} when the peer's close_notify arrives, after which the input has
 * ended: with {@link ChannelOption#ALLOW_HALF_CLOSURE} a {@link ChannelInputShutdownEvent} follows and writing goes on
 * (TLS 1.3; TLS 1.2 answers with its own close_notify), otherwise the channel is closed. A connection that ends without
 * close_notify is reported as a {@link TlsTruncationException}. A record that fails authentication, a record over the
 * size limit or a fatal alert fails the channel with a {@link TlsAlertException} (this end's alert is sent), after
 * the data received before it has been delivered.
 *
 * <p>Post-handshake messages follow {@code KtlsConnection}: a client keeps NewSessionTickets in its context's session
 * cache (give the handler the server's port too, {@link #KtlsHandler(KtlsContext, String, int)}); a KeyUpdate
 * changes the RX key and is answered when the peer asks; this end updates its TX key before the AEAD usage limits
 * ({@code KtlsContextBuilder.keyUpdateAfterRecords}) and on {@link #keyUpdate(boolean)}. {@code close()} sends
 * close_notify after everything written before it and closes the channel when it is out (or after 3 s).
 *
 * <p>One handler per channel (not sharable); add it first in the pipeline. Accepts {@link ByteBuf} and
 * {@link FileRegion} writes. Removing it from an established channel is not supported.
 */
public final class KtlsHandler extends ChannelDuplexHandler {
    private static final long CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS = 3000;
    /** Plaintext delivered per channelRead at most (records are opened into one buffer up to this size). */
    private static final int READ_BATCH = 64 << 10;

    private enum State { NEW, HANDSHAKING, PLACING, ESTABLISHED, FAILED, CLOSED }

    private final KtlsContext context;
    private final BackendPolicy policy;
    private final HandshakeEngine engine;
    private ChannelHandlerContext ctx;
    private Promise<Channel> handshakePromise;
    private PendingWriteQueue early;
    private State state = State.NEW;
    private ScheduledFuture<?> handshakeTimeout;
    private boolean flushPending;
    private ByteBuf cumulation;
    private RecordOpener rx;
    private TxPath tx;
    private volatile long ticketsSent; // written on the event loop, read anywhere
    private volatile TrafficKeys keys;
    private volatile ControlRecords control;
    private volatile KtlsSession session;
    private volatile boolean closeNotifyReceived;
    private boolean inputClosed;
    private boolean inputShutdownFired;
    private boolean outputClosed;
    private boolean closeRequested;
    private boolean transportFailed;
    private boolean readFired;
    private boolean driving;
    private boolean driveAgain;
    private boolean cleanedUp;

    /** A server's handler, or a client's that does not check a host name; the policy is the context's backend's. */
    public KtlsHandler(KtlsContext context) {
        this(context, null);
    }

    /**
     * @param peerHost client: the server's host name (verified and sent as SNI); server: ignored
     */
    public KtlsHandler(KtlsContext context, String peerHost) {
        this(context, peerHost, policyOf(context));
    }

    /**
     * @param peerHost client: the server's host name (verified and sent as SNI); server: ignored
     * @param peerPort client: the server's port; with the host it keys the context's session cache (TLS 1.3
     *     tickets), as {@code KtlsContext.connect} keys it; 0 keys by the host alone; server: ignored
     */
    public KtlsHandler(KtlsContext context, String peerHost, int peerPort) {
        this(context, peerHost, peerPort, policyOf(context));
    }

    /** With an explicit backend policy, whatever the context's backend is. */
    public KtlsHandler(KtlsContext context, String peerHost, BackendPolicy policy) {
        this(context, peerHost, 0, policy);
    }

    /** With an explicit backend policy, whatever the context's backend is. */
    public KtlsHandler(KtlsContext context, String peerHost, int peerPort, BackendPolicy policy) {
        this.context = context;
        this.policy = policy;
        this.engine = Handshakes.newEngine(context, peerHost, peerPort);
    }

    /**
     * The policy a context's backend stands for: {@code Ktls.backend(policy)} carries it in its name;
     * {@code KernelBackend} is KERNEL_REQUIRED and {@code SoftwareBackend} SOFTWARE.
     *
     * @throws IllegalArgumentException for another backend (this handler places directions itself)
     */
    static BackendPolicy policyOf(KtlsContext context) {
        String name = context.backend().name().toUpperCase(Locale.ROOT);
        if (name.equals("KERNEL")) {
            return BackendPolicy.KERNEL_REQUIRED;
        }
        try {
            return BackendPolicy.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("KtlsHandler places each direction by a BackendPolicy; the context's "
                    + "backend \"" + context.backend().name() + "\" is none (build it with Ktls.backend(policy), or "
                    + "pass the policy to the handler)", e);
        }
    }

    // ---- public API

    /** Completes with the channel when the handshake has completed and both directions are placed. */
    public Future<Channel> handshakeFuture() {
        if (handshakePromise == null) {
            throw new IllegalStateException("the handler is not in a pipeline yet");
        }
        return handshakePromise;
    }

    /** The established session, or null before the handshake has completed. */
    public KtlsSession session() {
        return session;
    }

    /** What carries {@code direction}: {@link BackendKind#NONE} until the handshake has completed. */
    public BackendKind backend(Direction direction) {
        KtlsSession s = session;
        return s == null ? BackendKind.NONE : s.backend(direction);
    }

    /** The policy this handler places the directions by. */
    public BackendPolicy backendPolicy() {
        return policy;
    }

    /** True once the peer's close_notify has been read. */
    public boolean closeNotifyReceived() {
        return closeNotifyReceived;
    }

    /** KeyUpdates this end has sent (on request, before the record limit, or answering the peer). */
    public long keyUpdatesSent() {
        TrafficKeys k = keys;
        return k == null ? 0 : k.updatesSent();
    }

    /** KeyUpdates received from the peer. */
    public long keyUpdatesReceived() {
        TrafficKeys k = keys;
        return k == null ? 0 : k.updatesReceived();
    }

    /**
     * NewSessionTickets received (client). With a context that keeps sessions (TLS 1.3) they go to its session
     * cache, and the next handler or {@code KtlsConnection} of that context to the same server offers one.
     */
    public long sessionTicketsReceived() {
        ControlRecords c = control;
        return c == null ? 0 : c.ticketsReceived();
    }

    /** NewSessionTickets sent (server, TLS 1.3 with session resumption on in its context). */
    public long sessionTicketsSent() {
        return ticketsSent;
    }

    /**
     * TLS 1.3: sends a KeyUpdate after everything written so far and switches to the next TX key; with
     * {@code requestPeerUpdate} the peer is asked to update its key too. The future fails with
     * {@link IllegalStateException} before the handshake has completed or on TLS 1.2, with
     * {@link io.ktls4j.KernelFeatureException} when TX is in a kernel that cannot rekey (before Linux 6.14; nothing is
     * sent and the connection goes on).
     */
    public ChannelFuture keyUpdate(boolean requestPeerUpdate) {
        ChannelPromise p = requireContext().newPromise();
        execute(() -> {
            if (state != State.ESTABLISHED || !keys.canUpdate()) {
                p.setFailure(new IllegalStateException(state != State.ESTABLISHED ? "the handshake has not completed"
                        : "KeyUpdate exists only in TLS 1.3; this connection is " + session.version()));
                return;
            }
            if (outputClosed) {
                p.setFailure(new ClosedChannelException());
                return;
            }
            try {
                tx.writeKeyUpdate(requestPeerUpdate, p);
                tx.flush();
            } catch (IOException e) {
                p.setFailure(e);
            }
        });
        return p;
    }

    /**
     * Sends close_notify after everything written so far, then shuts the TCP output down ({@link DuplexChannel});
     * reading goes on (a TLS 1.3 half-close). Later writes fail with {@link ClosedChannelException}.
     */
    public ChannelFuture closeOutbound() {
        ChannelPromise p = requireContext().newPromise();
        execute(() -> {
            if (state != State.ESTABLISHED || outputClosed) {
                p.setFailure(new ClosedChannelException());
                return;
            }
            ChannelFuture sent = sendCloseNotify();
            sent.addListener(f -> {
                if (!f.isSuccess()) {
                    p.tryFailure(f.cause());
                } else if (ctx.channel() instanceof DuplexChannel d) {
                    d.shutdownOutput(p);
                } else {
                    p.trySuccess();
                }
            });
        });
        return p;
    }

    // ---- lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.handshakePromise = ctx.executor().newPromise();
        this.early = new PendingWriteQueue(ctx);
        if (ctx.channel().isActive()) {
            // after the handlers being added with this one (a ChannelInitializer's) are in place: they see the events
            ctx.executor().execute(this::startHandshake);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startHandshake();
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cleanUp(new ClosedChannelException());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (isHandshaking()) {
            failHandshake(new TlsHandshakeException("the connection closed during the handshake (after "
                    + engine.bytesReceived() + " bytes received)"), !closeRequested);
        } else if (state == State.ESTABLISHED && !inputClosed && !closeRequested && !transportFailed) {
            inputClosed = true;
            ctx.fireExceptionCaught(truncation());
        }
        cleanUp(new ClosedChannelException());
        if (state != State.FAILED) {
            state = State.CLOSED;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof IOException) {
            transportFailed = true; // e.g. a reset: the transport closes the channel, no truncation is reported
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            if (inputShutdownFired) {
                return; // fired already for the peer's close_notify: the TCP FIN is not news
            }
            if (isHandshaking()) {
                failHandshake(new TlsHandshakeException("the peer closed the connection during the handshake (after "
                        + engine.bytesReceived() + " bytes received)"), true);
            } else if (state == State.ESTABLISHED && !inputClosed) {
                inputClosed = true;
                releaseCumulation();
                ctx.fireExceptionCaught(truncation());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    // ---- inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (inputClosed || state == State.FAILED || state == State.CLOSED) {
            in.release(); // after close_notify or a failure, the peer's bytes mean nothing
            return;
        }
        cumulation = cumulation == null ? in
                : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
        drive();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (cumulation != null) {
            if (!cumulation.isReadable()) {
                releaseCumulation();
            } else {
                cumulation.discardSomeReadBytes();
            }
        }
        boolean fired = readFired;
        readFired = false;
        if (!ctx.channel().config().isAutoRead() && (!fired || state != State.ESTABLISHED)) {
            ctx.read(); // the application asked for data and none came out of these bytes yet
        }
        ctx.fireChannelReadComplete();
    }

    /** Feeds the cumulated input to the handshake or the record layer; re-entrant calls loop in the outer one. */
    private void drive() {
        if (driving) {
            driveAgain = true;
            return;
        }
        driving = true;
        try {
            do {
                driveAgain = false;
                if (state == State.HANDSHAKING) {
                    feedHandshake();
                }
                if (state == State.ESTABLISHED) {
                    readRecords();
                }
            } while (driveAgain);
        } finally {
            driving = false;
        }
    }

    private void feedHandshake() {
        boolean wrote = false;
        while (state == State.HANDSHAKING && cumulation != null && cumulation.isReadable()) {
            int n;
            try {
                n = engine.offer(cumulation.nioBuffer(cumulation.readerIndex(), cumulation.readableBytes()));
                cumulation.skipBytes(n);
            } catch (IOException | RuntimeException e) {
                failHandshake(e, true);
                return;
            }
            wrote |= writeEngineOutput() != null;
            if (engine.isComplete()) {
                onHandshakeComplete();
                return;
            }
            if (n == 0) {
                break;
            }
        }
        if (wrote) {
            ctx.flush();
        }
    }

    /** Opens every whole record in the cumulation; data is delivered in batches, control records acted on. */
    private void readRecords() {
        ByteBuf plain = null;
        try {
            while (state == State.ESTABLISHED && !inputClosed && cumulation != null) {
                int size = rx.nextRecord(cumulation);
                if (size < 0) {
                    break;
                }
                if (plain == null) {
                    plain = ctx.alloc().heapBuffer(Math.min(READ_BATCH, cumulation.readableBytes()) + 64);
                }
                Opened o = rx.open(cumulation, size, plain);
                if (!o.type().isControl()) {
                    plain.writerIndex(plain.writerIndex() + o.length());
                    if (plain.readableBytes() >= READ_BATCH) {
                        fireRead(plain);
                        plain = null;
                    }
                    continue;
                }
                byte[] body = new byte[o.length()];
                plain.getBytes(plain.writerIndex(), body);
                plain.setZero(plain.writerIndex(), o.length());
                if (plain.isReadable()) {
                    fireRead(plain); // data before the control record first
                } else {
                    plain.release();
                }
                plain = null;
                onControlRecord(o.type(), body);
            }
        } catch (IOException | RuntimeException e) {
            if (plain != null && plain.isReadable()) {
                fireRead(plain); // what arrived before the bad record is the peer's, authentic
                plain = null;
            }
            failEstablished(typedReadFailure(e));
        } finally {
            if (plain != null) {
                if (plain.isReadable() && state == State.ESTABLISHED) {
                    fireRead(plain);
                } else {
                    plain.release();
                }
            }
        }
    }

    private void fireRead(ByteBuf plain) {
        readFired = true;
        ctx.fireChannelRead(plain);
    }

    private void onControlRecord(RecordType type, byte[] body) throws IOException {
        if (control.onRecord(type, ByteBuffer.wrap(body)) == ControlRecords.Outcome.CLOSE_NOTIFY) {
            onCloseNotify();
        }
    }

    private final ControlRecords.Actions actions = new ControlRecords.Actions() {
        @Override
        public void peerKeyUpdate(boolean updateRequested) throws IOException {
            var next = keys.next(Direction.RX);
            try {
                rx.rekey(next);
            } finally {
                next.destroy();
            }
            if (updateRequested && !outputClosed) {
                ChannelPromise p = ctx.newPromise();
                p.addListener(f -> {
                    if (!f.isSuccess()) {
                        failEstablished(f.cause());
                    }
                });
                tx.writeKeyUpdate(false, p); // the answer, before any data written from now on
                tx.flush();
            }
        }

        @Override
        public void refuseRenegotiation() {
            if (!outputClosed) {
                tx.writeControl(RecordType.ALERT, alert(AlertLevel.warning, AlertDescription.no_renegotiation),
                        ctx.newPromise());
                tx.flush();
            }
        }
    };

    /** The peer ended its stream: later bytes are dropped; the input ends as a TCP FIN would end it. */
    private void onCloseNotify() {
        closeNotifyReceived = true;
        inputClosed = true;
        releaseCumulation();
        ctx.fireUserEventTriggered(SslCloseCompletionEvent.SUCCESS);
        if (session.version() == TlsVersion.TLS_1_2 && !outputClosed) {
            sendCloseNotify(); // RFC 5246 §7.2.1: answered at once; no more writes
        }
        if (Boolean.TRUE.equals(ctx.channel().config().getOption(ChannelOption.ALLOW_HALF_CLOSURE))) {
            inputShutdownFired = true;
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        } else {
            ctx.channel().close();
        }
    }

    // ---- outbound

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf) && !(msg instanceof FileRegion)) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new UnsupportedMessageTypeException(msg, ByteBuf.class, FileRegion.class));
            return;
        }
        if (isHandshaking() || state == State.NEW) {
            early.add(msg, promise);
        } else if (state == State.ESTABLISHED && !outputClosed) {
            tx.write(msg, promise);
        } else {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new ClosedChannelException());
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (state == State.ESTABLISHED) {
            tx.flush();
        } else {
            flushPending |= isHandshaking() || state == State.NEW;
            ctx.flush();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closeRequested = true;
        if (state == State.ESTABLISHED && !outputClosed) {
            closeAfter(sendCloseNotify(), promise);
            return;
        }
        if (isHandshaking() || state == State.NEW) {
            failHandshake(new TlsHandshakeException("the channel was closed during the handshake"), false);
        }
        ctx.close(promise);
    }

    /** Sends close_notify after everything written before; no more writes. */
    private ChannelFuture sendCloseNotify() {
        outputClosed = true;
        ChannelPromise sent = ctx.newPromise();
        tx.writeControl(RecordType.ALERT, alert(AlertLevel.warning, AlertDescription.close_notify), sent);
        tx.flush();
        return sent;
    }

    /** Closes once {@code sent} is out, or after the flush timeout when the peer does not read. */
    private void closeAfter(ChannelFuture sent, ChannelPromise promise) {
        if (sent.isDone()) {
            ctx.close(promise);
            return;
        }
        boolean[] closed = new boolean[1];
        Runnable close = () -> {
            if (!closed[0]) {
                closed[0] = true;
                ctx.close(promise);
            }
        };
        ScheduledFuture<?> timeout = ctx.executor().schedule(close, CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS,
                TimeUnit.MILLISECONDS);
        sent.addListener(f -> {
            timeout.cancel(false);
            close.run();
        });
    }

    // ---- handshake

    private boolean isHandshaking() {
        return state == State.HANDSHAKING || state == State.PLACING;
    }

    private void startHandshake() {
        if (state != State.NEW) {
            return;
        }
        state = State.HANDSHAKING;
        try {
            TxPlacement.precheck(ctx.channel(), policy);
            engine.start();
        } catch (IOException | RuntimeException e) {
            failHandshake(e, true);
            return;
        }
        long ms = context.handshakeTimeout().toMillis();
        if (ms > 0) {
            handshakeTimeout = ctx.executor().schedule(() -> failHandshake(new TlsHandshakeTimeoutException(
                    "the TLS handshake did not complete within " + ms + " ms (" + engine.bytesReceived()
                            + " bytes received)"), true), ms, TimeUnit.MILLISECONDS);
        }
        if (writeEngineOutput() != null) {
            ctx.flush();
        }
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
        if (cumulation != null) {
            drive();
        }
    }

    /** Writes what the engine owes the peer; null when it owed nothing. */
    private ChannelFuture writeEngineOutput() {
        int n = engine.outputBytes();
        if (n == 0) {
            return null;
        }
        byte[] out = new byte[n];
        engine.readOutput(ByteBuffer.wrap(out));
        return ctx.write(Unpooled.wrappedBuffer(out));
    }

    private void onHandshakeComplete() {
        state = State.PLACING;
        cancelHandshakeTimeout();
        SessionInfo info = engine.session();
        EstablishedKeys established = engine.takeKeys();
        try {
            rx = new RecordOpener(established.rx());
            keys = new TrafficKeys(info.version(), established.takeSecrets().orElse(null),
                    Handshakes.keyUpdateRecordLimit(context, info.cipherSuite().cipher()));
        } catch (IOException | RuntimeException e) {
            established.destroy();
            failHandshake(e, true);
            return;
        }
        control = new ControlRecords(engine.role() == Role.CLIENT, info.version(), actions,
                engine.takeClientTickets());
        ChannelFuture written = writeEngineOutput();
        ctx.flush();
        if (written == null) {
            place(info, established);
        } else {
            // the kernel must not frame handshake bytes: TX is placed once they are in the socket
            written.addListener(f -> {
                if (f.isSuccess()) {
                    place(info, established);
                } else {
                    established.destroy();
                    failHandshake(f.cause(), true);
                }
            });
        }
    }

    private void place(SessionInfo info, EstablishedKeys established) {
        try {
            if (state != State.PLACING) {
                return; // closed meanwhile
            }
            TxPlacement.Placed placed = TxPlacement.place(ctx.channel(), policy, established.tx());
            tx = placed.kernelFd() >= 0
                    ? new KernelTx(ctx, placed.kernelFd(), keys, established.tx().recSeq())
                    : new SealingTx(ctx, established.tx(), keys, this::failEstablished);
            session = new KtlsSession(info, placed.tx(), placed.rx());
        } catch (IOException | RuntimeException e) {
            failHandshake(e, true);
            return;
        } finally {
            established.destroy();
        }
        state = State.ESTABLISHED;
        byte[] tickets = engine.takeSessionTickets();
        engine.close();
        if (tickets != null) {
            sendSessionTickets(tickets);
        }
        handshakePromise.trySuccess(ctx.channel());
        ctx.fireUserEventTriggered(KtlsHandshakeCompletionEvent.success(session));
        while (state == State.ESTABLISHED && early.current() != null) {
            Object m = ReferenceCountUtil.retain(early.current());
            tx.write(m, early.remove()); // remove() releases once: the message moves on
        }
        if (flushPending && state == State.ESTABLISHED) {
            flushPending = false;
            tx.flush();
        }
        drive(); // records that arrived with or after the handshake's last one
    }

    /**
     * Server: the NewSessionTickets the handshake owes the client, as one handshake record under the new TX key
     * ahead of any application data (RFC 8446 §4.6.1), through the record layer like every control record. Best
     * effort, as {@code KtlsConnection} sends them: if the record does not go out, the client has nothing to resume
     * with, and a broken connection shows at the next write.
     */
    private void sendSessionTickets(byte[] messages) {
        ChannelPromise sent = ctx.newPromise();
        sent.addListener(f -> {
            if (f.isSuccess()) {
                ticketsSent += PostHandshakeMessages.count(messages);
            }
        });
        tx.writeControl(RecordType.HANDSHAKE, messages, sent);
        tx.flush(); // the client may wait for them before it writes anything
    }

    /** Ends an unfinished handshake: the alert the engine raised goes out, then the channel closes. */
    private void failHandshake(Throwable cause, boolean fireException) {
        if (!isHandshaking() && state != State.NEW) {
            return;
        }
        state = State.FAILED;
        IOException typed = cause instanceof IOException io ? io
                : new TlsHandshakeException("the handshake failed on an internal error: "
                        + java.util.Objects.requireNonNullElse(cause.getMessage(), "no detail (see the cause)"), cause);
        cancelHandshakeTimeout();
        if (ctx.channel().isActive() && writeEngineOutput() != null) {
            ctx.flush();
        }
        engine.close();
        handshakePromise.tryFailure(typed);
        ctx.fireUserEventTriggered(KtlsHandshakeCompletionEvent.failure(typed));
        if (fireException) {
            ctx.fireExceptionCaught(typed);
        }
        cleanUp(typed);
        ctx.close();
    }

    private void cancelHandshakeTimeout() {
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
            handshakeTimeout = null;
        }
    }

    // ---- failures after the handshake

    /** The connection cannot go on: the cause goes to exceptionCaught, this end's alert (if any) out, then close. */
    private void failEstablished(Throwable cause) {
        if (state != State.ESTABLISHED) {
            return;
        }
        state = State.FAILED;
        inputClosed = true;
        releaseCumulation();
        ctx.fireExceptionCaught(cause);
        if (cause instanceof TlsAlertException a && a.isSent() && !outputClosed) {
            outputClosed = true;
            ChannelPromise sent = ctx.newPromise();
            tx.writeControl(RecordType.ALERT, alert(AlertLevel.fatal, a.alertDescription()), sent);
            tx.flush();
            closeAfter(sent, ctx.newPromise());
        } else {
            ctx.close();
        }
    }

    /** A record-layer error as the typed exception of the alert it calls for, as {@code KtlsConnection} maps it. */
    private static Throwable typedReadFailure(Throwable e) {
        if (e instanceof BadRecordException) {
            return new TlsAlertException(AlertDescription.bad_record_mac, false, false, e.getMessage(), e);
        }
        if (e instanceof RecordOverflowException) {
            return new TlsAlertException(AlertDescription.record_overflow, false, false, e.getMessage(), e);
        }
        return e;
    }

    private static TlsTruncationException truncation() {
        return new TlsTruncationException("the connection ended without close_notify; the data received may have "
                + "been truncated");
    }

    private static byte[] alert(int level, int description) {
        return new byte[] {(byte) level, (byte) description};
    }

    // ---- housekeeping

    private void releaseCumulation() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    /** Releases everything this handler holds and zeroes every key. Idempotent. */
    private void cleanUp(Throwable cause) {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        cancelHandshakeTimeout();
        if (early != null) {
            early.removeAndFailAll(cause);
        }
        if (tx != null) {
            tx.release(cause);
        }
        if (rx != null) {
            rx.release();
        }
        if (keys != null) {
            keys.release();
        }
        if (control != null) {
            control.release();
        }
        engine.close();
        releaseCumulation();
        if (handshakePromise != null) {
            handshakePromise.tryFailure(cause);
        }
    }

    private ChannelHandlerContext requireContext() {
        if (ctx == null) {
            throw new IllegalStateException("the handler is not in a pipeline yet");
        }
        return ctx;
    }

    private void execute(Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
        } else {
            ctx.executor().execute(task);
        }
    }

    @Override
    public String toString() {
        return "KtlsHandler[" + (context.isClient() ? "client" : "server") + ", " + state + ", " + policy
                + (session == null ? "" : ", " + session) + "]";
    }
}
