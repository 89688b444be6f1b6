package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WatchdogTest {

    @Test
    void firesOnceAfterTheTimeoutAndNotBefore() throws Exception {
        try (Watchdog w = new Watchdog()) {
            CountDownLatch fired = new CountDownLatch(1);
            long t0 = System.nanoTime();
            Watchdog.Timer t = w.arm(Duration.ofMillis(150), fired::countDown);
            assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(150).toNanos());
            assertThat(t.fired()).isTrue();
            assertThat(t.disarm()).as("disarm after firing").isFalse();
            assertThat(w.armedCount()).isZero();
        }
    }

    @Test
    void disarmedTimerNeverFires() throws Exception {
        try (Watchdog w = new Watchdog()) {
            AtomicInteger runs = new AtomicInteger();
            Watchdog.Timer t = w.arm(Duration.ofMillis(50), runs::incrementAndGet);
            assertThat(t.disarm()).isTrue();
            assertThat(t.disarm()).as("twice").isTrue();
            t.rearm(Duration.ofMillis(10), runs::incrementAndGet); // no-op once disarmed
            Thread.sleep(300);
            assertThat(runs).hasValue(0);
            assertThat(t.fired()).isFalse();
            assertThat(w.armedCount()).isZero();
        }
    }

    @Test
    void rearmMovesTheDeadlineAndReplacesTheAction() throws Exception {
        try (Watchdog w = new Watchdog()) {
            AtomicInteger first = new AtomicInteger();
            CountDownLatch second = new CountDownLatch(1);
            long t0 = System.nanoTime();
            Watchdog.Timer t = w.arm(Duration.ofMillis(100), first::incrementAndGet);
            t.rearm(Duration.ofMillis(400), second::countDown);
            assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
            assertThat(first).hasValue(0);
        }
    }

    @Test
    void manyTimersArmedAndDisarmedFromManyThreadsLeaveNothingBehind() throws Exception {
        try (Watchdog w = new Watchdog()) {
            AtomicInteger runs = new AtomicInteger();
            Thread[] threads = new Thread[8];
            for (int i = 0; i < threads.length; i++) {
                threads[i] = Thread.ofVirtual().start(() -> {
                    for (int j = 0; j < 10_000; j++) {
                        Watchdog.Timer t = w.arm(Duration.ofSeconds(30), runs::incrementAndGet);
                        t.rearm(Duration.ofSeconds(20), runs::incrementAndGet);
                        t.disarm();
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(w.armedCount()).isZero();
            assertThat(runs).hasValue(0);
            // and the sweeper still fires after going idle
            CountDownLatch fired = new CountDownLatch(1);
            w.arm(Duration.ofMillis(30), fired::countDown);
            assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
