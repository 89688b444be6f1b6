package io.ktls4j.handshake;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One handshake, driven step by step: BouncyCastle's non-blocking protocol engine is fed one record at a time from
 * the channel, its output is written back, and when it completes the record-layer keys are installed on a
 * {@link io.ktls4j.KtlsSocket} (after everything BouncyCastle still had to send has been written: tls-offload.rst "pre-TLS
 * data").
 *
 * <p>Non-blocking use: call {@link #step()} whenever the channel is ready for {@link #interestOps()}, selecting with
 * at most {@link #remainingMillis()}; when it returns {@link Status#DONE}, {@link #connection()} is ready. Any
 * failure closes the channel, zeroes every secret and throws a typed exception: {@link TlsAlertException},
 * {@link TlsHandshakeException}, {@link TlsHandshakeTimeoutException}, or a record-layer {@link io.ktls4j.KtlsException}.
 */
public final class TlsHandshake implements AutoCloseable {
    /** What the handshake needs next. */
    public enum Status { NEEDS_READ, NEEDS_WRITE, DONE }

    private final KtlsContext config;
    private final SocketChannel channel;
    private final BcHandshakeEngine engine;
    private ByteBuffer in;
    private Status last = Status.NEEDS_WRITE;
    private boolean started;
    private long deadline;
    private KtlsConnection connection;
    private IOException failure;

    TlsHandshake(KtlsContext config, SocketChannel channel, String peerHost) {
        this.config = config;
        this.channel = channel;
        this.engine = new BcHandshakeEngine(config, peerHost);
    }

    /**
     * Advances the handshake as far as it can without blocking (on a blocking channel it blocks until done).
     *
     * @return what the handshake waits for, or DONE
     */
    public synchronized Status step() throws IOException {
        if (connection != null) {
            return Status.DONE;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            if (!started) {
                if (!channel.isConnected()) {
                    throw new TlsHandshakeException("the channel is not connected");
                }
                started = true;
                deadline = System.nanoTime() + config.handshakeTimeout().toNanos();
                java.net.SocketAddress remote = channel.getRemoteAddress();
                engine.peer(String.valueOf(remote));
                if (remote instanceof java.net.InetSocketAddress inet) {
                    engine.peerPort(inet.getPort());
                }
                engine.start();
            }
            while (true) {
                checkDeadline();
                ByteBuffer out = engine.output();
                if (out.hasRemaining()) {
                    channel.write(out);
                    if (out.hasRemaining()) {
                        return last = Status.NEEDS_WRITE;
                    }
                }
                if (engine.isComplete()) {
                    // every handshake byte is out (tls-offload.rst "pre-TLS data"): the record layer takes over
                    connection = engine.handoff(config.backend().attach(channel));
                    return last = Status.DONE;
                }
                if (!readRecordBytes()) {
                    return last = Status.NEEDS_READ;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        }
    }

    /**
     * Reads at most what completes the record being read, so that no byte after the handshake's last record leaves
     * the socket (it belongs to the record layer), and offers it to the engine. False when nothing could be read.
     */
    private boolean readRecordBytes() throws IOException {
        if (in == null) {
            in = ByteBuffer.allocate(BcHandshakeEngine.HEADER + (1 << 14) + 2048);
        }
        in.clear().limit(Math.min(in.capacity(), engine.bytesWanted()));
        int n = channel.read(in);
        if (n < 0) {
            long got = engine.bytesReceived();
            throw new TlsHandshakeException("the peer closed the connection during the handshake (after "
                    + (got == 0 ? "sending nothing" : got + " bytes") + ")");
        }
        if (n == 0) {
            return false;
        }
        engine.offer(in.flip());
        return true;
    }

    /** The selection key interest for the next {@link #step()}: OP_READ or OP_WRITE (0 when done). */
    public synchronized int interestOps() {
        return switch (last) {
            case NEEDS_READ -> SelectionKey.OP_READ;
            case NEEDS_WRITE -> SelectionKey.OP_WRITE;
            case DONE -> 0;
        };
    }

    /** Milliseconds left before the handshake times out: the full timeout before the first step, 0 once ended. */
    public synchronized long remainingMillis() {
        if (!started) {
            return config.handshakeTimeout().toMillis();
        }
        if (connection != null || failure != null) {
            return 0;
        }
        return Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
    }

    /** The established connection once {@link #step()} returned DONE. */
    public synchronized KtlsConnection connection() {
        if (connection == null) {
            throw new IllegalStateException("the handshake has not completed");
        }
        return connection;
    }

    /** Aborts an unfinished handshake: closes the channel and zeroes the secrets. No effect once done. */
    @Override
    public synchronized void close() {
        if (connection == null && failure == null) {
            fail(new TlsHandshakeException("the handshake was aborted"));
        }
    }

    /** Blocking drive with a private Selector, honouring the timeout; restores the channel's blocking mode. */
    KtlsConnection runToCompletion() throws IOException {
        boolean wasBlocking = channel.isBlocking();
        try {
            try (Selector selector = Selector.open()) {
                if (wasBlocking) {
                    channel.configureBlocking(false);
                }
                SelectionKey key = channel.register(selector, 0);
                for (Status s = step(); s != Status.DONE; s = step()) {
                    key.interestOps(interestOps());
                    long ms = remainingMillis();
                    if (ms > 0) {
                        selector.select(ms);
                        selector.selectedKeys().clear();
                    }
                }
            }
            if (wasBlocking) {
                channel.configureBlocking(true);
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            close();
            if (connection != null) {
                connection.close();
            }
            throw e;
        }
    }

    private void checkDeadline() throws TlsHandshakeTimeoutException {
        if (System.nanoTime() - deadline > 0) {
            throw new TlsHandshakeTimeoutException("the TLS handshake did not complete within "
                    + config.handshakeTimeout().toMillis() + " ms (" + engine.bytesReceived() + " bytes received)");
        }
    }

    private IOException fail(Throwable e) {
        if (failure != null) {
            return failure;
        }
        failure = engine.fail(e);
        try {
            ByteBuffer out = engine.output(); // the alert BouncyCastle raised, if any
            if (out.hasRemaining() && channel.isOpen()) {
                channel.write(out);
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: the peer may be gone
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        return failure;
    }
}
