package io.ktls4j.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Serves HTTP/1.1 requests on one blocking channel until the client closes, asks to close, breaks a limit or times
 * out. Keep-alive and pipelining (requests answered in order) are supported. The channel is not closed here: the
 * caller owns it (timeouts close it to wake the blocked reader).
 */
public final class HttpConnection implements ConnectionService.Conversation {
    private final ByteChannel channel;
    private static final Duration LINGER = Duration.ofSeconds(1);
    private final Handler handler;
    private final HalfClose halfClose;
    private final HttpLimits limits;
    private final Watchdog watchdog;
    private final RequestReader reader;
    private final ResponseWriter writer;
    private final Function<IOException, String> peerFault;
    private final SocketAddress peer;
    private final Activity activity;
    private final Consumer<ConnectionLog.Request> requestLog;
    private final String session;
    /** Why the handler failed, for the log line of a connection closed after a 500. */
    private String internalError;
    private int requests;
    private volatile String endReason = "closed by client";
    /** Why a response could not be written whole, when that ended the connection. */
    private String cutReason;

    /**
     * What the connection is doing, told to a server that makes room by closing connections not being answered
     * ({@link Admission}).
     */
    public interface Activity {
        Activity NONE = new Activity() {
            @Override
            public void waiting() {
            }

            @Override
            public void reading() {
            }

            @Override
            public void answering() {
            }
        };

        /** Waiting for the first byte of a request. */
        void waiting();

        /** Reading a request head. */
        void reading();

        /** Answering a request (from its complete head to the end of its response). */
        void answering();

        /** Whether the server is stopping: the response being written is the connection's last. */
        default boolean stopping() {
            return false;
        }
    }

    /** Ends the output half of the connection (see {@link Transport.Session#shutdownOutput()}). */
    @FunctionalInterface
    public interface HalfClose {
        void shutdownOutput() throws IOException;
    }

    /** Serves on a transport session. */
    public HttpConnection(Transport.Session session, Handler handler, HttpLimits limits, Watchdog watchdog) {
        this(session, null, handler, limits, watchdog);
    }

    /** Serves on a transport session with a client at {@code peer} ({@link HttpRequest#peer()}). */
    public HttpConnection(Transport.Session session, SocketAddress peer, Handler handler, HttpLimits limits,
                          Watchdog watchdog) {
        this(session, peer, Activity.NONE, handler, limits, watchdog);
    }

    HttpConnection(Transport.Session session, SocketAddress peer, Activity activity, Handler handler,
                   HttpLimits limits, Watchdog watchdog) {
        this(session, peer, activity, handler, limits, watchdog, r -> { });
    }

    /** @param requestLog told of each answered request (the access log) */
    HttpConnection(Transport.Session session, SocketAddress peer, Activity activity, Handler handler,
                   HttpLimits limits, Watchdog watchdog, Consumer<ConnectionLog.Request> requestLog) {
        this(session.channel(), session.fileSender(), session::shutdownOutput, session::peerFault, peer, activity,
                handler, limits, watchdog, requestLog, session.describe());
    }

    public HttpConnection(ByteChannel channel, FileSender fileSender, HalfClose halfClose, Handler handler,
                          HttpLimits limits, Watchdog watchdog) {
        this(channel, fileSender, halfClose, e -> null, null, Activity.NONE, handler, limits, watchdog, r -> { },
                "plain");
    }

    private HttpConnection(ByteChannel channel, FileSender fileSender, HalfClose halfClose,
                           Function<IOException, String> peerFault, SocketAddress peer, Activity activity,
                           Handler handler, HttpLimits limits, Watchdog watchdog,
                           Consumer<ConnectionLog.Request> requestLog, String session) {
        this.channel = channel;
        this.requestLog = requestLog;
        this.session = session;
        this.peerFault = peerFault;
        this.peer = peer;
        this.activity = activity;
        this.halfClose = halfClose;
        this.handler = handler;
        this.limits = limits;
        this.watchdog = watchdog;
        this.reader = new RequestReader(channel, limits);
        this.writer = new ResponseWriter(channel, fileSender, watchdog, limits.sendTimeout(), this::closeQuietly);
    }

    /**
     * Runs the request loop. Returns normally when the connection is done; I/O errors propagate, and then
     * {@link #endReason()} says "error", or what the transport calls the peer's fault (TLS: "bad record from client").
     */
    @Override
    public void serve() throws IOException {
        try {
            requestLoop();
        } catch (IOException e) {
            String fault = peerFault.apply(e);
            endReason = fault != null ? fault : cutReason != null ? cutReason : "error";
            throw e;
        } catch (RuntimeException e) {
            endReason = "error";
            throw e;
        }
    }

    private void requestLoop() throws IOException {
        while (requests < limits.maxRequestsPerConnection()) {
            Watchdog.Timer timer = watchdog.arm(limits.keepAliveTimeout(), () -> timeout("idle"));
            HttpRequest request;
            boolean[] started = {false};
            activity.waiting();
            try {
                request = reader.read(() -> {
                    started[0] = true;
                    activity.reading();
                    timer.rearm(limits.requestTimeout(), this::requestTimeout);
                });
                activity.answering();
                if (request != null) {
                    discardBody(request);
                }
            } catch (HttpException e) {
                if (timer.disarm()) {
                    endReason = e.status() + " " + e.getMessage();
                    long t0 = System.nanoTime();
                    long before = writer.bytesWritten();
                    try {
                        writer.write(HttpResponse.error(e.status(), e.getMessage()), false, false, false);
                    } finally {
                        logRequest(null, e.status(), before, t0);
                    }
                    lingerBeforeClose();
                }
                return;
            } catch (IOException e) {
                if (timer.fired()) {
                    return;
                }
                if (timer.disarm() && !started[0] && peerFault.apply(e) == null) {
                    // between requests the client may just go: EOF without close_notify (TLS) or a reset (wrk);
                    // input the transport refused (a forged or corrupted TLS record) is no way to go
                    endReason = "closed by client (" + LogLines.oneLine(e) + ")";
                    return;
                }
                throw e;
            }
            if (!timer.disarm()) {
                return;
            }
            if (request == null) {
                return;
            }
            requests++;
            long t0 = System.nanoTime();
            HttpResponse response = respond(peer == null ? request : request.withPeer(peer));
            boolean stopping = activity.stopping();
            boolean keepAlive = request.keepAlive() && !response.closesConnection() && !stopping
                    && requests < limits.maxRequestsPerConnection();
            long before = writer.bytesWritten();
            try {
                writer.write(response, request.isHead(), keepAlive, keepAlive && request.minorVersion() == 0);
            } catch (InterruptedIOException e) {
                cutReason = "send timeout: the client read nothing for " + limits.sendTimeout().toMillis()
                        + " ms during a response";
                throw e;
            } catch (IOException e) {
                cutReason = "closed by client during a response (" + LogLines.oneLine(e) + ")";
                throw e;
            } finally {
                response.release();
                logRequest(request, response.status(), before, t0);
            }
            if (!keepAlive) {
                endReason = internalError != null ? internalError
                        : stopping ? "closed after the response: the server is stopping" : "closed after the response";
                return;
            }
            letOthersRun();
        }
    }

    /**
     * Between two requests of a keep-alive connection, puts this connection's thread at the back of the scheduler's
     * queue. A virtual thread keeps its carrier until it blocks; a client that sends its next request as soon as it
     * has the response (wrk, a browser's pipelining, a load balancer's pooled connection) often has it queued before
     * the server reads, so without this the connections on the carriers are served again and again while the ready
     * ones behind them wait: at 256 connections on two carriers, a few took most of the requests and the p99 went past
     * a second. One request per turn, as an event loop serves its ready connections. A platform thread
     * (a caller's own) is left alone: the operating system's scheduler already shares the cores.
     */
    private static void letOthersRun() {
        if (Thread.currentThread().isVirtual()) {
            Thread.yield();
        }
    }

    /**
     * Tells the access log of a response written (or cut short); {@code request} is null when the head could not be
     * parsed.
     */
    private void logRequest(HttpRequest request, int status, long bytesBefore, long t0) {
        long body = Math.max(0, writer.bytesWritten() - bytesBefore - writer.lastHeadBytes());
        requestLog.accept(new ConnectionLog.Request(peer, Instant.now(), request == null ? "-" : request.requestLine(),
                status, body, request == null ? null : request.headers().first("Referer"),
                request == null ? null : request.headers().first("User-Agent"), session,
                Duration.ofNanos(System.nanoTime() - t0)));
    }

    private HttpResponse respond(HttpRequest request) {
        try {
            return handler.handle(request);
        } catch (HttpException e) {
            return HttpResponse.error(e.status(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            // the reason goes to the server's log only: a message may name server paths
            internalError = "closed after a 500: the handler failed (" + LogLines.oneLine(e) + ")";
            return HttpResponse.error(500, "the server could not answer this request: an internal error (the"
                    + " server log has the reason)").close();
        }
    }

    private void discardBody(HttpRequest request) throws IOException, HttpException {
        long length = RequestHead.contentLength(request);
        if (length > limits.maxBodyBytes()) {
            throw new HttpException(413, "a " + request.method() + " body of " + length + " bytes is over the "
                    + limits.maxBodyBytes() + "-byte limit");
        }
        reader.discard(length);
    }

    /**
     * Reads and drops what the client is still sending (up to 256 KiB, for at most a second) before the caller
     * closes: closing with unread input makes the kernel send a reset, which can destroy the error response before
     * the client has read it (nginx's lingering close).
     */
    private void lingerBeforeClose() {
        Watchdog.Timer linger = watchdog.arm(LINGER, this::closeQuietly);
        try {
            halfClose.shutdownOutput();
            reader.discardUntilEof(256 << 10);
        } catch (IOException | HttpException e) {
            // the client closed, reset or the linger time is up: all the same here
        } finally {
            linger.disarm();
        }
    }

    /** The request head did not complete in time: answer 408 (bounded by the send timeout) and close. */
    private void requestTimeout() {
        endReason = "408 request head not complete within " + limits.requestTimeout().toMillis() + " ms";
        Watchdog.Timer hard = watchdog.arm(limits.sendTimeout(), this::closeQuietly);
        try {
            byte[] page = HttpResponse.error(408, "the request took too long").body();
            String head = "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                    + page.length + "\r\nConnection: close\r\n\r\n";
            ByteBuffer out = ByteBuffer.allocate(head.length() + page.length)
                    .put(head.getBytes(StandardCharsets.ISO_8859_1)).put(page).flip();
            while (out.hasRemaining() && channel.write(out) >= 0) {
                // blocking channel: loops only on a partial write
            }
        } catch (IOException e) {
            // the client is gone; closing is all that is left
        } finally {
            hard.disarm();
            closeQuietly();
        }
    }

    private void timeout(String what) {
        endReason = what + " for " + limits.keepAliveTimeout().toMillis() + " ms";
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing only to wake the blocked thread
        }
    }

    /** Requests answered so far. */
    @Override
    public int requests() {
        return requests;
    }

    /** Plaintext bytes read. */
    @Override
    public long bytesIn() {
        return reader.bytesRead();
    }

    /** Plaintext bytes written (heads and bodies). */
    @Override
    public long bytesOut() {
        return writer.bytesWritten();
    }

    /** Why the connection ended, for the log line. */
    @Override
    public String endReason() {
        return endReason;
    }
}
