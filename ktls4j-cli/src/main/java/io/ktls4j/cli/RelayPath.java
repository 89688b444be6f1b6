package io.ktls4j.cli;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.TlsTruncationException;
import io.ktls4j.linux.KernelPipe;
import io.ktls4j.linux.SocketSplice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * How one direction of a {@link RelayedConnection} moves its bytes: {@link Source#pull} takes what the source has
 * into a stage (a buffer in the JVM, or a pipe in the kernel), {@link Sink#push} moves the staged bytes on. Kept in
 * two halves so that a failure is named after the side it happened on.
 */
final class RelayPath {
    /** Per direction: a TLS record holds 16 KiB of plaintext; a pipe holds 64 KiB. */
    static final int CHUNK = 16 * 1024;

    private RelayPath() {
    }

    /** The source half of a direction. */
    @FunctionalInterface
    interface Source {
        /** Stages what the source has, waiting for at least a byte; returns the byte count, or -1 at its end. */
        long pull() throws IOException;
    }

    /** The sink half of a direction. */
    @FunctionalInterface
    interface Sink {
        /** Moves all {@code n} staged bytes to the sink. */
        void push(long n) throws IOException;
    }

    /** One direction. */
    record Direction(Source source, Sink sink) {
    }

    /**
     * Through a buffer in the JVM, on any channels: the software path. A TLS source that ends without close_notify
     * ({@link TlsTruncationException}) is an end like another, told to {@code truncated}.
     */
    static Direction jvm(ReadableByteChannel from, WritableByteChannel to, Runnable truncated) {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        Source source = () -> {
            buf.clear();
            try {
                int n = from.read(buf);
                buf.flip();
                return n;
            } catch (TlsTruncationException e) {
                truncated.run();
                return -1;
            }
        };
        Sink sink = n -> {
            while (buf.hasRemaining()) {
                to.write(buf);
            }
        };
        return new Direction(source, sink);
    }

    /**
     * kTLS socket → pipe → TCP socket: the client's records decrypted by the kernel and spliced into {@code pipe},
     * then out of it to the backend, the plaintext never in the JVM. A control record ({@code spliceTo}'s EINVAL:
     * close_notify, KeyUpdate, NewSessionTicket) goes through the connection's read path, which handles it; what
     * that read returns of the next data record is written into the pipe, and splicing goes on.
     */
    static Direction splicedFromTls(KtlsConnection tls, KernelPipe pipe, SocketSplice to, Runnable truncated) {
        ByteBuffer control = ByteBuffer.allocate(CHUNK);
        Source source = () -> {
            while (true) {
                try {
                    long n = tls.recordLayer().spliceTo(pipe, CHUNK);
                    if (n < 0 && !tls.closeNotifyReceived()) {
                        truncated.run();
                    }
                    return n;
                } catch (KtlsException e) {
                    if (e.errno() != Errno.EINVAL) {
                        throw e;
                    }
                }
                control.clear();
                int n = tls.read(control);
                if (n != 0) {
                    if (n > 0) {
                        pipe.write(control.flip());
                    }
                    return n;
                }
            }
        };
        return new Direction(source, n -> drain(n, len -> to.fromPipe(pipe, len)));
    }

    /**
     * TCP socket → pipe → kTLS socket: the backend's bytes spliced into {@code pipe}, then encrypted by the kernel,
     * through the connection's write side, so that a KeyUpdate the other direction's read answers never splits them.
     */
    static Direction splicedToTls(SocketSplice from, KernelPipe pipe, KtlsConnection tls) {
        return new Direction(() -> from.toPipe(pipe, CHUNK), n -> drain(n, len -> tls.spliceFrom(pipe, len)));
    }

    /** One splice out of the pipe: the bytes moved. */
    @FunctionalInterface
    private interface PipeOut {
        long splice(long len) throws IOException;
    }

    private static void drain(long n, PipeOut out) throws IOException {
        for (long moved = 0; moved < n; ) {
            moved += out.splice(n - moved);
        }
    }
}
