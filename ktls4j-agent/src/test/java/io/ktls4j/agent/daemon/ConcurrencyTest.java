package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.agent.AgentClient;
import io.ktls4j.agent.AgentFixture;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.JsseEcho;
import io.ktls4j.agent.Lines;
import io.ktls4j.agent.TestFds;
import io.ktls4j.handshake.KtlsConnection;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 200 handshakes at once through one agent (software-return mode on this host, kernel placement on a kTLS host),
 * each followed by a line of data both ways; all succeed, they really overlap in the agent, and afterwards no
 * descriptor is left open on either side.
 */
class ConcurrencyTest {
    static final int HANDSHAKES = Integer.getInteger("ktls4j.agent.concurrent", 200);

    @Test
    void twoHundredConcurrentHandshakesThroughOneAgent() throws Exception {
        TestFds.warmUp();
        try (AgentFixture fixture = AgentFixture.withConfig("""
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-software-return = true
                timeout-ms = 60000
                """); JsseEcho peer = new JsseEcho("TLSv1.3", "TLSv1.2")) {
            AgentClient agent = fixture.agent();
            int before = TestFds.settledCount();
            AtomicInteger maxActive = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (sampling.get()) {
                    maxActive.accumulateAndGet(fixture.daemon.activeHandshakes(), Math::max);
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long start = System.nanoTime();
            List<Future<String>> results = new ArrayList<>();
            // platform threads: a blocking read on ktls4j-linux's kernel socket waits in poll(2) through FFM, which
            // would pin a virtual thread's carrier (and with two carriers stall the JSSE peer's virtual threads)
            try (ExecutorService consumers = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())) {
                for (int i = 0; i < HANDSHAKES; i++) {
                    int n = i;
                    results.add(consumers.submit(() -> {
                        try (SocketChannel ch = SocketChannel.open(peer.address());
                             KtlsConnection c = agent.handshake(ch, HandshakeRequest.client("localhost").build())) {
                            Lines.send(c, "connection " + n);
                            return Lines.receive(c);
                        }
                    }));
                }
                for (int i = 0; i < HANDSHAKES; i++) {
                    assertThat(results.get(i).get(120, TimeUnit.SECONDS)).isEqualTo("CONNECTION " + i);
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            sampling.set(false);
            sampler.join();
            System.out.println("ConcurrencyTest: " + HANDSHAKES + " handshakes in " + ms + " ms, at most "
                    + maxActive.get() + " at once in the agent");
            assertThat(peer.handshakes()).isEqualTo(HANDSHAKES);
            assertThat(fixture.log.stream().filter(l -> l.contains(" OK TLSv1.3")).count()).isEqualTo(HANDSHAKES);
            assertThat(maxActive.get()).as("handshakes running at once in the agent").isGreaterThan(10);
            assertThat(fixture.daemon.activeHandshakes()).isZero();
            assertThat(TestFds.awaitOpenCount(before)).as("descriptors after 200 handshakes").isEqualTo(before);
        }
    }
}
