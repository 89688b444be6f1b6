package io.ktls4j.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Waiting for a socket from virtual threads ({@link Readiness#await}, what the kernel backend's blocking calls use):
 * many virtual threads waiting on idle sockets must leave the carriers free for the rest of the process, wake on
 * their own fd's readiness only, and end with {@link ClosedChannelException} when the channel closes under them.
 * Runs on plain loopback sockets, so it needs no kTLS.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadinessVirtualThreadTest {
    /** Far more waiters than carriers (the scheduler's parallelism is the core count, 2 on CI). */
    private static final int IDLE = 4 * Runtime.getRuntime().availableProcessors() + 16;

    @Test
    void idleWaitersDoNotHoldCarriersAndEachWakesOnItsOwnFd() throws Exception {
        List<LoopbackPair> pairs = new ArrayList<>();
        AtomicInteger woke = new AtomicInteger();
        ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<CompletableFuture<Void>> waits = new ArrayList<>();
            for (int i = 0; i < IDLE; i++) {
                LoopbackPair p = LoopbackPair.open();
                pairs.add(p);
                waits.add(CompletableFuture.runAsync(() -> {
                    try {
                        new Readiness(p.server, p.serverFd).await(Native.POLLIN);
                        woke.incrementAndGet();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, vts));
            }
            Thread.sleep(300); // let every waiter reach its wait

            // Work on other virtual threads still runs while all those threads wait.
            CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> 6 * 7, vts);
            assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(woke).hasValue(0);

            // One peer writes: exactly that waiter wakes.
            pairs.get(3).client.write(ByteBuffer.wrap(new byte[] {1}));
            waits.get(3).get(10, TimeUnit.SECONDS);
            Thread.sleep(100);
            assertThat(woke).hasValue(1);
            assertThat(waits).filteredOn(CompletableFuture::isDone).hasSize(1);

            // Closing a waiter's channel ends its wait with ClosedChannelException.
            pairs.get(5).server.close();
            assertThat(waits.get(5)).failsWithin(10, TimeUnit.SECONDS).withThrowableThat()
                    .withRootCauseInstanceOf(ClosedChannelException.class);

            // The peer's close (end of stream) is readiness too: every other waiter wakes.
            for (LoopbackPair p : pairs) {
                p.client.close();
            }
            for (int i = 0; i < IDLE; i++) {
                if (i != 5) {
                    waits.get(i).get(10, TimeUnit.SECONDS);
                }
            }
            assertThat(woke).hasValue(IDLE - 1);
        } finally {
            for (LoopbackPair p : pairs) { // first: closing wakes any waiter still there
                p.close();
            }
            vts.shutdownNow();
        }
    }

    @Test
    void aTimedWaitOnARawFdEndsAtItsDeadlineOrOnReadiness() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            CompletableFuture<long[]> idle = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    long start = System.nanoTime();
                    int r = Readiness.await(p.serverFd, Native.POLLIN, start + TimeUnit.MILLISECONDS.toNanos(300), null);
                    idle.complete(new long[] {r, System.nanoTime() - start});
                } catch (Throwable e) {
                    idle.completeExceptionally(e);
                }
            });
            long[] timedOut = idle.get(10, TimeUnit.SECONDS);
            assertThat(timedOut[0]).isZero();
            assertThat(timedOut[1]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));

            CompletableFuture<Integer> ready = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    ready.complete(Readiness.await(p.serverFd, Native.POLLIN, System.nanoTime() + 30_000_000_000L, null));
                } catch (Throwable e) {
                    ready.completeExceptionally(e);
                }
            });
            Thread.sleep(100);
            p.client.write(ByteBuffer.wrap(new byte[] {9}));
            assertThat(ready.get(10, TimeUnit.SECONDS) & Native.POLLIN).isEqualTo((int) Native.POLLIN);
        }
    }

    @Test
    void anInterruptedVirtualWaiterEndsWithInterruptedIoException() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    new Readiness(p.server, p.serverFd).await(Native.POLLIN);
                    outcome.complete(null);
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            Thread.sleep(200);
            t.interrupt();
            assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(java.io.InterruptedIOException.class);
            t.join();
        }
    }
}
