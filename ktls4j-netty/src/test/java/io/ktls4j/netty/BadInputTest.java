package io.ktls4j.netty;

import io.ktls4j.handshake.Credentials;
import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsAlertException;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.handshake.TlsHandshakeTimeoutException;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.Ktls;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FileRegion;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a peer can do wrong, on both transports, each against a server whose event loop has one thread: a record that
 * fails authentication, garbage instead of a ClientHello, a record over the size limit, silence until the handshake
 * timeout, a reset in the middle of a FileRegion. Each time the channel fails with the typed exception in
 * exceptionCaught, the data received before the bad record is delivered first, no buffer leaks (the leak check runs at
 * PARANOID), and the same event loop then serves another connection.
 */
@ExtendWith(LeakCheck.class)
class BadInputTest {
    private static EventLoopGroup nio;
    private static EventLoopGroup epoll;
    private static TestPki pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.get();
        nio = Transport.NIO.group(1);
        epoll = Transport.EPOLL.group(1);
    }

    @AfterAll
    static void tearDown() {
        nio.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        epoll.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static EventLoopGroup group(Transport t) {
        return t == Transport.NIO ? nio : epoll;
    }

    private static KtlsContext server() throws Exception {
        return KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem))
                .handshakeTimeout(Duration.ofSeconds(30)).build();
    }

    private static KtlsContext client() throws Exception {
        return KtlsContext.forClient().trustManager(pki.caPem).cipherSuites(TlsCipherSuite.TLS_AES_128_GCM_SHA256)
                .build();
    }

    /** The server's one event loop still serves: a fresh connection exchanges a line both ways. */
    private static void stillServes(Transport t, Server server) throws Exception {
        try (Peer c = Peer.connect(t, group(t), client(), "localhost", server.port(), false);
                Peer s = server.accept()) {
            c.write("still there?\n");
            assertThat(s.inbox.readLine()).isEqualTo("still there?");
            s.write("yes\n");
            assertThat(c.inbox.readLine()).isEqualTo("yes");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRecordThatFailsAuthenticationFailsTheChannelAfterTheDataBeforeIt(Transport t) throws Exception {
        Tamper tamper = new Tamper();
        try (Server server = new Server(t, group(t), server(), false)) {
            try (Peer c = Peer.connect(t, group(t), client(), "localhost", server.port(), false, tamper);
                    Peer s = server.accept()) {
                c.awaitHandshake();
                s.awaitHandshake();
                tamper.arm(1, Tamper::flipLastByte); // the second record from now: "good" goes out intact
                c.write("good\n");
                c.write("bad\n");
                assertThat(s.inbox.readLine()).isEqualTo("good");
                s.awaitClosed();
                assertThat(s.exceptions).singleElement().isInstanceOfSatisfying(TlsAlertException.class, e -> {
                    assertThat(e.alertName()).isEqualTo("bad_record_mac");
                    assertThat(e.isSent()).isTrue();
                });
                assertThat(s.inbox.read()).as("nothing of the bad record is delivered").isEqualTo(-1);
                c.awaitClosed();
                assertThat(c.exceptions).as("the client reads the server's alert")
                        .anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(TlsAlertException.class, a -> {
                            assertThat(a.isReceived()).isTrue();
                            assertThat(a.alertName()).isEqualTo("bad_record_mac");
                        }));
            }
            stillServes(t, server);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRecordOverTheSizeLimitIsARecordOverflow(Transport t) throws Exception {
        Tamper tamper = new Tamper();
        try (Server server = new Server(t, group(t), server(), false)) {
            try (Peer c = Peer.connect(t, group(t), client(), "localhost", server.port(), false, tamper);
                    Peer s = server.accept()) {
                c.awaitHandshake();
                tamper.arm(1, Tamper::oversizeRecord);
                c.write("before\n");
                c.write("replaced by a 20480-byte record\n");
                assertThat(s.inbox.readLine()).isEqualTo("before");
                s.awaitClosed();
                assertThat(s.exceptions).singleElement().isInstanceOfSatisfying(TlsAlertException.class, e -> {
                    assertThat(e.alertName()).isEqualTo("record_overflow");
                    assertThat(e.getCause()).isInstanceOf(io.ktls4j.RecordOverflowException.class);
                });
            }
            stillServes(t, server);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void garbageInsteadOfAClientHelloFailsTheHandshake(Transport t) throws Exception {
        try (Server server = new Server(t, group(t), server(), false);
                Socket raw = new Socket("127.0.0.1", server.port())) {
            raw.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            try (Peer s = server.accept()) {
                Throwable cause = s.awaitHandshakeFailure();
                assertThat(cause).isInstanceOf(TlsAlertException.class);
                assertThat(((TlsAlertException) cause).isReceived()).isFalse();
                s.awaitClosed();
                assertThat(s.exceptions).containsExactly(cause);
                assertThat(s.tls.handshakeFuture().cause()).isSameAs(cause);
            }
            raw.setSoTimeout((int) TimeUnit.SECONDS.toMillis(Peer.WAIT_SECONDS));
            InputStream in = raw.getInputStream();
            while (in.read() >= 0) {
                // an alert or nothing, then the end: the server closed
            }
            stillServes(t, server);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void silenceEndsAtTheHandshakeTimeout(Transport t) throws Exception {
        KtlsContext ctx = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem))
                .handshakeTimeout(Duration.ofMillis(500))
                .build();
        try (Server server = new Server(t, group(t), ctx, false);
                Socket raw = new Socket("127.0.0.1", server.port());
                Peer s = server.accept()) {
            assertThat(s.awaitHandshakeFailure()).isInstanceOf(TlsHandshakeTimeoutException.class)
                    .hasMessageContaining("500 ms").hasMessageContaining("0 bytes received");
            s.awaitClosed();
            raw.setSoTimeout((int) TimeUnit.SECONDS.toMillis(Peer.WAIT_SECONDS));
            assertThat(raw.getInputStream().read()).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aPeerThatResetsInTheMiddleOfAFileRegion(Transport t) throws Exception {
        Path file = dir.resolve("big.bin");
        byte[] content = new byte[32 << 20];
        new Random(5).nextBytes(content);
        Files.write(file, content);
        try (Server server = new Server(t, group(t), server(), false)) {
            try (Peer c = Peer.connect(t, group(t), client(), "localhost", server.port(), false);
                    Peer s = server.accept()) {
                s.awaitHandshake();
                FileRegion region = new DefaultFileRegion(file.toFile(), 0, content.length);
                ChannelFuture sent = s.channel.writeAndFlush(region);
                c.inbox.readExactly(1 << 20); // part of the file has arrived
                c.channel.config().setOption(ChannelOption.SO_LINGER, 0);
                c.channel.pipeline().firstContext().close(); // RST, under the TLS handler
                assertThat(sent.await(Peer.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(sent.isSuccess()).isFalse();
                s.awaitClosed();
                assertThat(region.refCnt()).as("the region is released").isZero();
                assertThat(s.exceptions).isNotEmpty()
                        .allSatisfy(e -> assertThat(e).isInstanceOf(java.io.IOException.class));
            }
            stillServes(t, server);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void kernelRequiredWithoutKernelTlsFailsTypedBeforeTheHandshake(Transport t) throws Exception {
        KtlsContext ctx = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem))
                .backend(Ktls.backend(BackendPolicy.KERNEL_REQUIRED)).build();
        org.junit.jupiter.api.Assumptions.assumeFalse(t == Transport.EPOLL && io.ktls4j.linux.KernelTls.isAvailable(),
                "this kernel has kTLS: KERNEL_REQUIRED succeeds on epoll (the lab tests it)");
        try (Server server = new Server(t, group(t), ctx, false);
                Socket raw = new Socket("127.0.0.1", server.port());
                Peer s = server.accept()) {
            assertThat(s.tls.backendPolicy()).isEqualTo(BackendPolicy.KERNEL_REQUIRED);
            Throwable cause = s.awaitHandshakeFailure();
            assertThat(cause).isInstanceOf(KtlsException.class);
            if (t == Transport.NIO) {
                assertThat(((KtlsException) cause).errno()).isEqualTo(Errno.EOPNOTSUPP);
                assertThat(cause).hasMessageContaining("epoll");
            } else {
                assertThat(cause).isInstanceOf(io.ktls4j.KernelFeatureException.class);
            }
            s.awaitClosed();
            raw.setSoTimeout((int) TimeUnit.SECONDS.toMillis(Peer.WAIT_SECONDS));
            assertThat(raw.getInputStream().read()).as("nothing was sent").isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void writesOfOtherTypesAreRefused(Transport t) throws Exception {
        try (Server server = new Server(t, group(t), server(), false);
                Peer c = Peer.connect(t, group(t), client(), "localhost", server.port(), false);
                Peer s = server.accept()) {
            c.awaitHandshake();
            ChannelFuture f = c.channel.writeAndFlush("a String").await();
            assertThat(f.cause()).isInstanceOf(io.netty.handler.codec.UnsupportedMessageTypeException.class);
            c.write("the channel is still fine\n");
            assertThat(s.inbox.readLine()).isEqualTo("the channel is still fine");
        }
    }
}
