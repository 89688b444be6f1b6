package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.http.ConnectionLog;
import io.ktls4j.http.FileServing;
import io.ktls4j.http.HttpLimits;
import io.ktls4j.http.HttpServer;
import io.ktls4j.http.StaticFileHandler;
import io.ktls4j.http.Transport;
import io.ktls4j.testkit.Patience;
import io.ktls4j.testkit.PeerProcess;
import io.ktls4j.testkit.Tools;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ktls proxy} on the software record layer, in a child JVM, in front of backends in this JVM: curl and
 * openssl through it, 64 MiB each way, half-close both ways, a backend that is down, slow or resets, a client that
 * sends garbage, corrupts a record or resets, and many connections at once; no descriptor left behind. Each subclass
 * starts the proxy its way ({@link #startProxy}) in its own {@code @BeforeAll}: one proxy per class, stopped after it
 * (a {@code @BeforeAll} here as well would run before the subclass's and start a second one that nothing stops).
 */
abstract class ProxyCases {
    private static final int ECHO = 0;
    private static final int HTTP = 1;
    private static final int DOWN = 2;
    private static final int RESETS = 3;
    private static final int CLOSES_FIRST = 4;
    private static final int SLOW = 5;
    /** Connections held at once by {@link #manyConnectionsAtOnce()}, for this class's proxy. */
    private static int many;

    @TempDir
    static Path tmp;

    private static ProxyBackends backends;
    private static HttpServer http;
    private static ProxyProcess proxy;
    private static KtlsContext client;
    private static int downPort;
    /** What the backend that closes first received from each client before the client's end. */
    private static final BlockingQueue<Long> receivedAfterClosing = new ArrayBlockingQueue<>(16);
    /** Released by the slow backend's test to let it answer. */
    private static volatile CountDownLatch slowAnswer = new CountDownLatch(1);

    /** What the log's relay= says for this class's proxy. */
    static String relay;

    /**
     * Starts the backends and the proxy with {@code extra} options; its connections relay as {@code relayed}, and
     * {@code manyAtOnce} of them are held together by {@link #manyConnectionsAtOnce()}.
     */
    static void startProxy(String relayed, int manyAtOnce, String... extra) throws Exception {
        relay = relayed;
        many = manyAtOnce;
        backends = new ProxyBackends();
        int echo = backends.start(ProxyBackends::echo);
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("hello"), "hello from the backend\n");
        http = new HttpServer(HttpServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64),
                Transport.PLAIN, new StaticFileHandler(www, FileServing.DEFAULT), HttpLimits.DEFAULT, 64,
                Duration.ofSeconds(10), new ConnectionLog() {
                    @Override
                    public void served(Summary summary) {
                    }

                    @Override
                    public void failed(java.net.SocketAddress peer, Duration duration, Throwable cause) {
                    }
                }).start();
        downPort = PeerProcess.freePort();
        int resets = backends.start(ProxyBackends::resetOnFirstBytes);
        int closesFirst = backends.start(s -> {
            s.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
            s.shutdownOutput();
            receivedAfterClosing.add(ProxyBackends.readToEnd(s));
        });
        int slow = backends.start(s -> {
            ByteBuffer b = ByteBuffer.allocate(64);
            s.read(b);
            slowAnswer.await();
            s.write(b.flip());
            s.shutdownOutput();
            ProxyBackends.readToEnd(s);
        });
        List<String> args = new ArrayList<>(List.of("--state-dir", tmp.resolve("state").toString(),
                "--backend", "software", "--max-connections", String.valueOf(many + 100),
                "--max-connections-per-ip", String.valueOf(many + 100)));
        for (int port : new int[] {echo, http.localAddress().getPort(), downPort, resets, closesFirst, slow}) {
            args.addAll(List.of("--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + port));
        }
        args.addAll(List.of(extra));
        proxy = ProxyProcess.start(tmp.resolve("proxy.err"), args);
        client = KtlsContext.forClient().trustManager(certificate()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (http != null) {
            http.close();
        }
        if (backends != null) {
            backends.close();
        }
    }

    private static Path certificate() {
        return tmp.resolve("state/localhost-cert.pem");
    }

    private static KtlsConnection connect(int route) throws IOException {
        return client.connect(SocketChannel.open(new InetSocketAddress("127.0.0.1", proxy.port(route))),
                "localhost");
    }

    @Test
    void curlFetchesFromAPlainHttpServerBehindTheProxy() throws Exception {
        Tools.require("curl");
        Process curl = new ProcessBuilder("curl", "-sS", "--cacert", certificate().toString(),
                "https://localhost:" + proxy.port(HTTP) + "/hello").redirectErrorStream(true).start();
        assertThat(curl.waitFor(Patience.millis(10_000), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("hello from the backend\n");
        String line = awaitLogLine("backend=127.0.0.1:" + http.localAddress().getPort());
        assertThat(line).contains("tx=SOFTWARE rx=SOFTWARE").contains("relay=" + relay).contains("time=")
                .containsPattern(" in=\\d+ out=\\d+ ").doesNotContain("requests=");
    }

    @Test
    void opensslTalksToAnEchoServerBehindTheProxy() throws Exception {
        Tools.require("openssl");
        try (PeerProcess s = PeerProcess.start(tmp, List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + proxy.port(ECHO), "-servername", "localhost", "-CAfile", certificate().toString(),
                "-verify_return_error", "-quiet"))) {
            s.write("ping through the proxy\n");
            s.awaitOutput("ping through the proxy", Patience.of(Duration.ofSeconds(10)));
        }
    }

    /** 64 MiB up and the same 64 MiB back down, at once: what arrives hashes as what was sent. */
    @Test
    void sixtyFourMebibytesEachWayArriveIntact() throws Exception {
        long size = 64L << 20;
        try (KtlsConnection c = connect(ECHO)) {
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    Random r = new Random(64);
                    byte[] chunk = new byte[256 * 1024];
                    for (long left = size; left > 0; left -= chunk.length) {
                        r.nextBytes(chunk);
                        sent.update(chunk);
                        ByteBuffer b = ByteBuffer.wrap(chunk);
                        while (b.hasRemaining()) {
                            c.write(b);
                        }
                    }
                    c.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long total = readAll(c, received);
            writer.join();
            assertThat(total).isEqualTo(size);
            assertThat(received.digest()).isEqualTo(sent.digest());
        }
    }

    /**
     * The client asks for a KeyUpdate after every 256 KiB of an 8 MiB echo while the echo streams back: the proxy
     * reads each one, switches its RX key and answers with its own KeyUpdate between the records its other direction
     * is sending. The echo arrives intact under the new keys.
     */
    @Test
    void keyUpdatesBothWaysWhileTheEchoStreams() throws Exception {
        int size = 8 << 20;
        int every = 256 << 10;
        byte[] data = new byte[size];
        new Random(8).nextBytes(data);
        try (KtlsConnection c = connect(ECHO)) {
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long total = EchoClient.echo(c, data, every, received);
            assertThat(total).isEqualTo(size);
            assertThat(received.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
            assertThat(c.keyUpdatesSent()).isEqualTo(size / every);
            // requests that arrive while the proxy has sent nothing since its last answer get one answer (§4.6.3)
            assertThat(c.keyUpdatesReceived()).as("the proxy's answers").isBetween(1L, (long) size / every);
        }
    }

    /** The client ends first: the backend sees its end, answers what it had, and the client reads to close_notify. */
    @Test
    void theClientsEndReachesTheBackendWhichStillAnswers() throws Exception {
        try (KtlsConnection c = connect(ECHO)) {
            c.write(ByteBuffer.wrap("last words".getBytes(StandardCharsets.US_ASCII)));
            c.shutdownOutput();
            ByteBuffer in = ByteBuffer.allocate(64);
            while (c.read(in) >= 0) {
                assertThat(in.hasRemaining()).isTrue();
            }
            assertThat(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)).isEqualTo("last words");
            assertThat(c.closeNotifyReceived()).isTrue();
        }
    }

    /** The backend ends first: the client gets close_notify, and can still send, and the backend gets all of it. */
    @Test
    void theBackendsEndReachesTheClientWhichStillSends() throws Exception {
        try (KtlsConnection c = connect(CLOSES_FIRST)) {
            ByteBuffer in = ByteBuffer.allocate(64);
            while (c.read(in) >= 0) {
                assertThat(in.hasRemaining()).isTrue();
            }
            assertThat(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
            assertThat(c.closeNotifyReceived()).isTrue();
            ByteBuffer out = ByteBuffer.allocate(100_000);
            while (out.hasRemaining()) {
                c.write(out);
            }
            c.shutdownOutput();
            assertThat(receivedAfterClosing.poll(Patience.millis(10_000), TimeUnit.MILLISECONDS)).isEqualTo(100_000L);
        }
    }

    /** The backend is down: the client's connection ends with close_notify, the log names the backend and why. */
    @Test
    void aBackendThatIsDownEndsTheClientsConnectionCleanlyAndIsLogged() throws Exception {
        try (KtlsConnection c = connect(DOWN)) {
            assertThat(c.read(ByteBuffer.allocate(16))).isEqualTo(-1);
            assertThat(c.closeNotifyReceived()).isTrue();
        }
        String line = awaitLogLine("cannot connect to the backend 127.0.0.1:" + downPort);
        assertThat(line).contains("end=\"backend unreachable\"").contains("Connection refused")
                .contains("check that it is up").doesNotContain("Exception");
    }

    /** While one backend takes its time, other connections are relayed. */
    @Test
    void aSlowBackendHoldsUpNoOtherConnection() throws Exception {
        slowAnswer = new CountDownLatch(1);
        try (KtlsConnection slow = connect(SLOW)) {
            slow.write(ByteBuffer.wrap("wait".getBytes(StandardCharsets.US_ASCII)));
            try (KtlsConnection quick = connect(ECHO)) {
                quick.write(ByteBuffer.wrap("now".getBytes(StandardCharsets.US_ASCII)));
                quick.shutdownOutput();
                assertThat(readText(quick)).isEqualTo("now");
            }
            slowAnswer.countDown();
            slow.shutdownOutput();
            assertThat(readText(slow)).isEqualTo("wait");
        }
    }

    /**
     * Garbage instead of a handshake, a corrupted record, a backend that resets, a client that resets mid-stream:
     * each is logged as what it is, a connection opened before them still works, and the proxy holds the
     * descriptors it held before.
     */
    @Test
    void badInputAndResetsAreLoggedAndLeaveTheOthersAndNoDescriptors() throws Exception {
        try (KtlsConnection bystander = connect(ECHO)) {
            long fds0 = ServeUnderLoadTest.settled(proxy::openDescriptors);
            try (SocketChannel garbage = SocketChannel.open(new InetSocketAddress("127.0.0.1", proxy.port(ECHO)))) {
                garbage.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                awaitEnd(garbage);
            }
            try (KtlsConnection c = connect(ECHO)) {
                byte[] record = new byte[5 + 48];
                new Random(1).nextBytes(record);
                record[0] = 23; // application_data, 48 bytes that authenticate as nothing
                record[1] = 3;
                record[2] = 3;
                record[3] = 0;
                record[4] = 48;
                c.socketChannel().write(ByteBuffer.wrap(record));
                awaitEnd(c.socketChannel());
            }
            assertThat(awaitLogLine("end=\"bad record from client\"")).contains("relay=" + relay);
            try (KtlsConnection c = connect(RESETS)) {
                c.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
                awaitEnd(c.socketChannel());
            }
            assertThat(awaitLogLine("end=\"backend error\"")).containsIgnoringCase("connection reset");
            try (KtlsConnection c = connect(ECHO)) {
                c.write(ByteBuffer.allocate(1 << 20));
                c.socketChannel().setOption(StandardSocketOptions.SO_LINGER, 0);
                c.socketChannel().close();
            }
            awaitLogLine("end=\"client error\"");
            bystander.write(ByteBuffer.wrap("still here".getBytes(StandardCharsets.US_ASCII)));
            bystander.shutdownOutput();
            assertThat(readText(bystander)).isEqualTo("still here");
            long fds = ServeUnderLoadTest.awaitAtMost(proxy::openDescriptors, fds0);
            assertThat(fds).as("the proxy's descriptors; log: %s", proxy.log()).isLessThanOrEqualTo(fds0);
        }
    }

    /** {@link #many} connections relayed at once, each echoing its own bytes; afterwards no descriptor is left. */
    @Test
    void manyConnectionsAtOnce() throws Exception {
        long fds0 = ServeUnderLoadTest.settled(proxy::openDescriptors);
        List<KtlsConnection> held = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try {
            ServeUnderLoadTest.runAll(many, i -> {
                KtlsConnection c = client.connect(ServeUnderLoadTest.connect(i, proxy.port(ECHO)), "localhost");
                held.add(c);
                byte[] mine = ("connection " + i).getBytes(StandardCharsets.US_ASCII);
                c.write(ByteBuffer.wrap(mine));
                ByteBuffer back = ByteBuffer.allocate(mine.length);
                while (back.hasRemaining() && c.read(back) >= 0) {
                    // until the echo is whole
                }
                assertThat(back.array()).isEqualTo(mine);
            });
            assertThat(held).hasSize(many);
            System.out.printf("%d proxied connections open at once, each echoed, in %.1f s%n", many,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            for (KtlsConnection c : held) {
                c.socketChannel().close();
            }
        }
        long fds = ServeUnderLoadTest.awaitAtMost(proxy::openDescriptors, fds0);
        assertThat(fds).as("the proxy's descriptors after %d connections", many).isLessThanOrEqualTo(fds0);
    }

    private static long readAll(KtlsConnection c, MessageDigest into) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(256 * 1024);
        long total = 0;
        for (int n = c.read(b); n >= 0; n = c.read(b)) {
            into.update(b.array(), 0, b.position());
            total += n;
            b.clear();
        }
        return total;
    }

    private static String readText(KtlsConnection c) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(1024);
        while (c.read(in) >= 0) {
            assertThat(in.hasRemaining()).isTrue();
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
    }

    /** Reads the raw socket until the proxy has ended the connection (EOF or reset). */
    private static void awaitEnd(SocketChannel s) {
        assertThatThrownBy(() -> {
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (s.read(b) >= 0) {
                b.clear();
            }
            throw new IOException("ended");
        }).isInstanceOf(IOException.class);
    }

    /** The first connection-log line containing {@code text}, once the proxy has written it. */
    static String awaitLogLine(String text) throws Exception {
        Patience.await(Duration.ofSeconds(10), () -> {
            try {
                return proxy.log().contains(text);
            } catch (IOException e) {
                return false;
            }
        }, () -> "a log line with " + text + " in: " + logOrError());
        return proxy.log().lines().filter(l -> l.contains(text)).findFirst().orElseThrow();
    }

    private static String logOrError() {
        try {
            return proxy.log();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
