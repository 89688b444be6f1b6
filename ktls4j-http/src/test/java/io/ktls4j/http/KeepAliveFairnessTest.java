package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.PeerProcess;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections that each have their next request queued take turns: one request each, then the next connection, as
 * an event loop serves its ready connections, never one connection's whole backlog while the others wait.
 *
 * <p>Counted, not timed: a child JVM with one carrier thread for virtual threads (so who runs next is the scheduler's
 * queue order, the same on any machine and under any load) serves {@value #CONNECTIONS} connections that each sent
 * {@value #REQUESTS} pipelined requests before the server read any; the first request of each connection is held
 * until all {@value #CONNECTIONS} have arrived, so that every connection has its next request queued from then on.
 * The child prints the order the requests were served in; the test reads the longest run of one connection.
 */
class KeepAliveFairnessTest {
    static final int CONNECTIONS = 4;
    static final int REQUESTS = 40;

    @Test
    void connectionsWithARequestQueuedAreServedInTurn(@TempDir Path dir) throws Exception {
        try (PeerProcess child = PeerProcess.java(dir, List.of(),
                List.of("-Djdk.virtualThreadScheduler.parallelism=1", "-Xmx128m"), Probe.class)) {
            child.awaitOutput("ORDER", Patience.of(Duration.ofSeconds(20)));
            assertThat(child.waitFor(Patience.of(Duration.ofSeconds(20)))).as(child.output()).isZero();
            String line = child.output().lines().filter(l -> l.startsWith("ORDER ")).findFirst().orElseThrow();
            int[] order = Arrays.stream(line.substring(6).trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            assertThat(order).hasSize(CONNECTIONS * REQUESTS);
            // after the held first requests, every connection had a request queued until its last ones
            int[] afterGate = Arrays.copyOfRange(order, CONNECTIONS, CONNECTIONS * (REQUESTS - 1));
            assertThat(longestRun(afterGate)).as("the longest run of requests served for one connection while all "
                    + CONNECTIONS + " had one queued; order " + line).isLessThanOrEqualTo(2);
        }
    }

    private static int longestRun(int[] order) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < order.length; i++) {
            run = i > 0 && order[i] == order[i - 1] ? run + 1 : 1;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    /** The child: a plain-TCP server on one carrier thread, and its clients on platform threads. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            CountDownLatch allArrived = new CountDownLatch(CONNECTIONS);
            List<Integer> servedPorts = new ArrayList<>();
            Handler handler = request -> {
                int port = ((InetSocketAddress) request.peer()).getPort();
                boolean first;
                synchronized (servedPorts) {
                    first = !servedPorts.contains(port);
                    servedPorts.add(port);
                }
                if (first) {
                    allArrived.countDown();
                    try {
                        if (!allArrived.await(60, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("not every connection arrived");
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return HttpResponse.empty(204);
            };
            try (TestServer server = new TestServer(handler, HttpLimits.DEFAULT)) {
                StringBuilder pipeline = new StringBuilder();
                for (int i = 1; i <= REQUESTS; i++) {
                    pipeline.append("GET /").append(i).append(" HTTP/1.1\r\nHost: x\r\n")
                            .append(i == REQUESTS ? "Connection: close\r\n" : "").append("\r\n");
                }
                byte[] requests = pipeline.toString().getBytes(StandardCharsets.US_ASCII);
                List<Socket> sockets = new ArrayList<>();
                for (int c = 0; c < CONNECTIONS; c++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                    OutputStream out = s.getOutputStream();
                    out.write(requests); // all of them before the server answers any
                    out.flush();
                    sockets.add(s);
                }
                Map<Integer, Integer> index = new HashMap<>();
                for (Socket s : sockets) {
                    index.put(s.getLocalPort(), index.size());
                    try (InputStream in = s.getInputStream()) {
                        ByteArrayOutputStream got = new ByteArrayOutputStream();
                        in.transferTo(got); // up to the close after the last response
                        String text = got.toString(StandardCharsets.US_ASCII);
                        int answers = text.split("HTTP/1.1 204", -1).length - 1;
                        if (answers != REQUESTS) {
                            throw new IllegalStateException(answers + " responses on a connection, not " + REQUESTS);
                        }
                    }
                    s.close();
                }
                StringBuilder line = new StringBuilder("ORDER");
                synchronized (servedPorts) {
                    for (int port : servedPorts) {
                        line.append(' ').append(index.get(port));
                    }
                }
                System.out.println(line);
            }
        }
    }
}
