package io.ktls4j.handshake;

import io.ktls4j.testkit.PeerProcess;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Deterministic pseudo-random payloads, written and checked byte by byte. */
final class Traffic {
    /** Bytes moved each way in interop tests: 10 MiB unless -Dktls4j.interop.bytes says otherwise. */
    static final long INTEROP_BYTES = Long.getLong("ktls4j.interop.bytes", 10L << 20);

    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "traffic");
        t.setDaemon(true);
        return t;
    });

    private Traffic() {
    }

    /** A stream of pseudo-random bytes for a seed. */
    static final class Pattern {
        private final Random random;

        Pattern(long seed) {
            random = new Random(seed);
        }

        void next(byte[] b, int len) {
            if (len == b.length) {
                random.nextBytes(b);
            } else {
                byte[] tmp = new byte[len];
                random.nextBytes(tmp);
                System.arraycopy(tmp, 0, b, 0, len);
            }
        }
    }

    static void send(WritableByteChannel ch, long seed, long n) throws IOException {
        Pattern p = new Pattern(seed);
        byte[] b = new byte[24_000];
        for (long left = n; left > 0;) {
            int len = (int) Math.min(b.length, left);
            p.next(b, len);
            ByteBuffer buf = ByteBuffer.wrap(b, 0, len);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            left -= len;
        }
    }

    static void send(OutputStream out, long seed, long n) throws IOException {
        Pattern p = new Pattern(seed);
        byte[] b = new byte[24_000];
        for (long left = n; left > 0;) {
            int len = (int) Math.min(b.length, left);
            p.next(b, len);
            out.write(b, 0, len);
            left -= len;
        }
        out.flush();
    }

    /** Reads exactly {@code n} bytes and checks them against the pattern; fails on a short stream. */
    static void expect(ReadableByteChannel ch, long seed, long n) throws IOException {
        Pattern p = new Pattern(seed);
        byte[] want = new byte[17_000];
        ByteBuffer got = ByteBuffer.allocate(want.length);
        long done = 0;
        while (done < n) {
            got.clear().limit((int) Math.min(want.length, n - done));
            while (got.hasRemaining()) {
                int r = ch.read(got);
                if (r < 0) {
                    throw new java.io.EOFException("stream ended after " + (done + got.position()) + " of " + n);
                }
            }
            int len = got.position();
            p.next(want, len);
            for (int i = 0; i < len; i++) {
                if (want[i] != got.get(i)) {
                    throw new AssertionError("byte " + (done + i) + " differs: expected " + want[i] + ", got "
                            + got.get(i));
                }
            }
            done += len;
        }
        assertThat(done).isEqualTo(n);
    }

    static void expect(InputStream in, long seed, long n) throws IOException {
        expect(java.nio.channels.Channels.newChannel(in), seed, n);
    }

    static <T> CompletableFuture<T> async(IoCallable<T> task) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return task.call();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, POOL);
    }

    /**
     * Awaits a task for at most two minutes; on timeout runs {@code onTimeout} (which should close the connection so
     * blocked threads end) and fails with {@code diagnostics}.
     */
    static <T> T await(CompletableFuture<T> f, AutoCloseable onTimeout, java.util.function.Supplier<String> diagnostics)
            throws Exception {
        try {
            return await(f);
        } catch (java.util.concurrent.TimeoutException e) {
            onTimeout.close();
            throw new AssertionError("timed out; " + diagnostics.get(), e);
        }
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() instanceof Exception x) {
                throw x;
            }
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    /** Accepts one connection within a minute, or fails with the peer's output (a peer that died never connects). */
    static java.nio.channels.SocketChannel accept(java.nio.channels.ServerSocketChannel listener, PeerProcess peer)
            throws Exception {
        try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
            listener.configureBlocking(false);
            listener.register(selector, java.nio.channels.SelectionKey.OP_ACCEPT);
            if (selector.select(60_000) == 0) {
                throw new AssertionError("no connection within 60 s; " + peer.describe());
            }
            java.nio.channels.SocketChannel ch = listener.accept();
            ch.configureBlocking(true);
            return ch;
        } finally {
            listener.configureBlocking(true);
        }
    }

    @FunctionalInterface
    interface IoCallable<T> {
        T call() throws Exception;
    }
}
