package io.ktls4j.conformance;

import static io.ktls4j.MsgFlag.WAITALL;
import static io.ktls4j.conformance.Bytes.cstr;
import static io.ktls4j.conformance.SocketIo.pollIn;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ktls4j.KtlsSocket;
import io.ktls4j.WouldBlockException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.concurrent.Future;

/**
 * {@code TEST_F(tls, …)}: poll and blocking (docs/KERNEL-TLS-SEMANTICS.md §3.2 items 41–45). {@code poll(POLLIN)} is
 * {@link KtlsSocket#readable()}; the {@code fork()}ed peer is a second thread; the non-blocking peers wait on a
 * {@link Selector} where the selftest sleeps.
 */
public abstract class TlsPollBlockingCases extends ConformanceCases {
    /** Stands in for {@code poll(-1)}: long enough to mean "it will come", short enough to fail a hang. */
    static final Duration FOREVER = Duration.ofSeconds(10);
    static final int DATA = 100_000;
    /** How long the non-blocking reader waits without progress before it calls the data lost. */
    static final Duration NO_PROGRESS = Duration.ofSeconds(10);

    /** {@code poll(20 ms)} returns 1 with a record queued; after reading it, {@code poll(20 ms)} times out. */
    @TlsVariants
    void pollin(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_poll"))).isEqualTo(10);
        assertThat(pollIn(p.cfd(), FOREVER)).as("poll with a record queued").isTrue();
        assertThat(recv(p.cfd(), 10, WAITALL)).isEqualTo(cstr("test_poll"));
        assertThat(SocketIo.staysUnreadable(p.cfd(), Duration.ofMillis(20))).as("poll(20 ms) times out").isTrue();
    }

    @TlsVariants
    void poll_wait(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), cstr("test_poll_wait"))).isEqualTo(15);
        assertThat(pollIn(p.cfd(), FOREVER)).isTrue();
        assertThat(recv(p.cfd(), 15, WAITALL)).isEqualTo(cstr("test_poll_wait"));
    }

    /** After reading 15 of a 20-byte record the socket is still readable: 5 bytes remain in the record layer. */
    @TlsVariants
    void poll_wait_split(Variant v) throws Exception {
        Pair p = tls(v);
        assertThat(send(p.fd(), new byte[20])).isEqualTo(20);
        assertThat(pollIn(p.cfd(), FOREVER)).isTrue();
        assertThat(recv(p.cfd(), 15, WAITALL)).isEqualTo(new byte[15]);
        assertThat(p.cfd().readable()).as("5 bytes of the record remain").isTrue();
        assertThat(recv(p.cfd(), 15)).isEqualTo(new byte[5]);
    }

    /** A writer thread sends 100000 bytes in ≤16384 chunks while this thread receives them. */
    @TlsVariants
    void blocking(Variant v) throws Exception {
        Pair p = tls(v);
        byte[] data = pattern(DATA);
        Future<Void> writer = background(() -> {
            int off = 0;
            while (off < DATA) {
                int n = send(p.fd(), data, off, Math.min(16384, DATA - off));
                assertThat(n).isPositive();
                off += n;
            }
            return null;
        });
        ByteBuffer got = ByteBuffer.allocate(DATA);
        while (got.hasRemaining()) {
            got.limit(Math.min(DATA, got.position() + 16384));
            assertThat(p.cfd().read(got)).isPositive();
            got.limit(DATA);
        }
        join(writer);
        assertThat(got.array()).isEqualTo(data);
    }

    /**
     * Both channels non-blocking, SO_SNDBUF=100 on the writer. Writer and reader each retry on EAGAIN (waiting on a
     * Selector for at most 10 ms) and each must see at least one EAGAIN. Adapted so that neither depends on
     * scheduling (under qemu's TCG the kernel's writer sometimes never met a full socket): the reader reads once on
     * the empty socket before the writer starts, then waits until the writer has seen EAGAIN (or 5 s), and the
     * reader's SO_RCVBUF is small, so the writer meets a full socket.
     */
    @TlsVariants
    void nonblocking(Variant v) throws Exception {
        Pair p = tls(v);
        p.fd().channel().configureBlocking(false);
        p.cfd().channel().configureBlocking(false);
        p.fd().channel().setOption(StandardSocketOptions.SO_SNDBUF, 100);
        p.cfd().channel().setOption(StandardSocketOptions.SO_RCVBUF, 16384);
        java.util.concurrent.CountDownLatch writerBlocked = new java.util.concurrent.CountDownLatch(1);
        byte[] data = pattern(DATA);
        Selector writable = closeLater(Selector.open());
        p.fd().channel().register(writable, SelectionKey.OP_WRITE);
        Selector readable = closeLater(Selector.open());
        p.cfd().channel().register(readable, SelectionKey.OP_READ);
        // the reader's first read comes before any data, as the selftest's child usually does: EAGAIN
        boolean readerEagain = catchThrowable(() -> p.cfd().read(ByteBuffer.allocate(16))) instanceof WouldBlockException;
        Future<Boolean> writer = background(() -> {
            boolean eagain = false;
            int off = 0;
            while (off < DATA) {
                try {
                    int n = send(p.fd(), data, off, Math.min(16384, DATA - off));
                    assertThat(n).isPositive();
                    off += n;
                } catch (WouldBlockException e) {
                    eagain = true;
                    writerBlocked.countDown();
                    writable.select(10);
                    writable.selectedKeys().clear();
                }
            }
            return eagain;
        });
        writerBlocked.await(5, java.util.concurrent.TimeUnit.SECONDS);
        boolean eagain = readerEagain;
        ByteBuffer got = ByteBuffer.allocate(DATA);
        long lastProgress = System.nanoTime();
        while (got.hasRemaining()) {
            got.limit(Math.min(DATA, got.position() + 16384));
            try {
                assertThat(p.cfd().read(got)).isPositive();
                lastProgress = System.nanoTime();
            } catch (WouldBlockException e) {
                eagain = true;
                assertThat(System.nanoTime() - lastProgress)
                        .as("no data for %d s after %d of %d bytes (writer done: %s): bytes a send accepted never arrived",
                                NO_PROGRESS.toSeconds(), got.position(), DATA, writer.isDone())
                        .isLessThan(NO_PROGRESS.toNanos());
                readable.select(10);
                readable.selectedKeys().clear();
            }
            got.limit(DATA);
        }
        assertThat(join(writer)).as("the writer saw EAGAIN").isTrue();
        assertThat(eagain).as("the reader saw EAGAIN").isTrue();
        assertThat(got.array()).isEqualTo(data);
    }

    /**
     * Not a selftest: the contract's {@link KtlsSocket#close()} on a socket whose sender is blocked on a peer that
     * stopped reading. close() returns and the sender fails, as {@code close(2)} after {@code shutdown(2)} wakes a
     * blocked {@code sendmsg}; it must not wait for the sender (a send timeout closes the socket from another thread).
     */
    @TlsVariants
    void close_wakes_a_blocked_sender(Variant v) throws Exception {
        Pair p = tls(v);
        p.fd().channel().setOption(StandardSocketOptions.SO_SNDBUF, 16384);
        p.cfd().channel().setOption(StandardSocketOptions.SO_RCVBUF, 16384);
        byte[] data = new byte[8 << 20]; // far more than both socket buffers hold: the send blocks
        Future<Integer> sender = background(() -> p.fd().send(ByteBuffer.wrap(data)));
        long deadline = System.nanoTime() + FOREVER.toNanos();
        while (p.cfd().channel().socket().getInputStream().available() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5); // until the sender's first records reach the peer's receive queue
        }
        assertThat(sender.isDone()).as("the 8 MiB send is still blocked").isFalse();
        Future<Void> closer = background(() -> {
            p.fd().close();
            return null;
        });
        assertThat(catchThrowable(() -> closer.get(FOREVER.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)))
                .as("close() returned while a send was blocked").isNull();
        Throwable failed = catchThrowable(() -> sender.get(FOREVER.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
        assertThat(failed).as("the blocked send ended with an I/O error").isInstanceOf(java.util.concurrent.ExecutionException.class);
        assertThat(failed.getCause()).isInstanceOf(java.io.IOException.class);
    }

    /** Not a selftest: close() from another thread wakes a reader blocked on a socket with nothing to read. */
    @TlsVariants
    void close_wakes_a_blocked_reader(Variant v) throws Exception {
        Pair p = tls(v);
        java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
        Future<Integer> reader = background(() -> {
            reading.countDown();
            return p.cfd().read(ByteBuffer.allocate(16));
        });
        reading.await();
        assertThat(SocketIo.staysUnreadable(p.cfd(), Duration.ofMillis(50))).isTrue();
        Future<Void> closer = background(() -> {
            p.cfd().close();
            return null;
        });
        assertThat(catchThrowable(() -> closer.get(FOREVER.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)))
                .as("close() returned while a read was blocked").isNull();
        Throwable ended = catchThrowable(() -> reader.get(FOREVER.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
        assertThat(ended).as("the blocked read ended (with an error or end of stream), it did not hang")
                .satisfiesAnyOf(t -> assertThat(t).isNull(),
                        t -> assertThat(t).isInstanceOf(java.util.concurrent.ExecutionException.class)
                                .hasCauseInstanceOf(java.io.IOException.class));
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }
}
