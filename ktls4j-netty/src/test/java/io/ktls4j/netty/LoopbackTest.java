package io.ktls4j.netty;

import io.ktls4j.handshake.Credentials;
import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.linux.KernelTls;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A {@link KtlsHandler} client against a {@link KtlsHandler} server on loopback, on both transports: the handshake
 * and its event, 64 MiB each way at once, writes made before the handshake completed, inbound bytes cut into 1-byte
 * and random pieces, and close_notify.
 */
@ExtendWith(LeakCheck.class)
class LoopbackTest {
    private static TestPki pki;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.get();
    }

    static EventLoopGroup group(Transport t) {
        return Peers.group(t);
    }

    private static KtlsContext server(TlsCipherSuite suite) throws Exception {
        return KtlsContext.forServer(pki.serverFor(suite.name()).loadWith(Credentials::fromPem))
                .protocols(suite.version().toString())
                .cipherSuites(suite).applicationProtocols("h2", "http/1.1").build();
    }

    private static KtlsContext client(TlsCipherSuite suite) throws Exception {
        return KtlsContext.forClient().trustManager(pki.caPem).protocols(suite.version().toString())
                .cipherSuites(suite).applicationProtocols("http/1.1").build();
    }

    @ParameterizedTest(name = "{0} server, {1} client, {2}")
    @CsvSource({
        "NIO, NIO, TLS_AES_128_GCM_SHA256",
        "EPOLL, EPOLL, TLS_AES_256_GCM_SHA384",
        "EPOLL, NIO, TLS_CHACHA20_POLY1305_SHA256",
        "NIO, EPOLL, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "EPOLL, EPOLL, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    })
    void bulkBothWaysAtOnce(Transport serverTransport, Transport clientTransport, TlsCipherSuite suite)
            throws Exception {
        try (Server server = new Server(serverTransport, group(serverTransport), server(suite), false);
                Peer c = Peer.connect(clientTransport, group(clientTransport), client(suite), "localhost",
                        server.port(), false);
                Peer s = server.accept()) {
            KtlsSession cs = c.awaitHandshake();
            KtlsSession ss = s.awaitHandshake();
            assertThat(cs.cipherSuite()).isEqualTo(suite);
            assertThat(ss.cipherSuite()).isEqualTo(suite);
            assertThat(cs.applicationProtocol()).isEqualTo("http/1.1");
            assertThat(cs.peerCertificates()).first().isEqualTo(pki.serverFor(suite.name()).cert());
            assertThat(ss.serverName()).isEqualTo("localhost");
            for (KtlsSession k : new KtlsSession[] {cs, ss}) {
                assertThat(k.backend(Direction.RX)).isEqualTo(BackendKind.SOFTWARE);
                if (!KernelTls.isAvailable()) {
                    assertThat(k.backend(Direction.TX)).isEqualTo(BackendKind.SOFTWARE);
                }
            }
            CompletableFuture<Void> up = Async.run(() -> Payload.send(c.out(), 1, Payload.BULK));
            CompletableFuture<Void> down = Async.run(() -> Payload.send(s.out(), 2, Payload.BULK));
            Payload.expect(s.inbox, 1, Payload.BULK);
            Payload.expect(c.inbox, 2, Payload.BULK);
            Async.await(up);
            Async.await(down);
            assertThat(c.exceptions).isEmpty();
            assertThat(s.exceptions).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void writesBeforeTheHandshakeCompletedGoOutAfterItInOrder(Transport t) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        try (Server server = new Server(t, group(t), server(suite), false)) {
            // the client writes in initChannel, before the ClientHello has even left
            KtlsContext cctx = client(suite);
            Peer c = Peer.connect(t, group(t), cctx, "localhost", server.port(), false,
                    new EarlyWriter("written-before-the-handshake\n".getBytes()));
            try (c; Peer s = server.accept()) {
                assertThat(s.inbox.readLine()).isEqualTo("written-before-the-handshake");
                c.write("after\n");
                assertThat(s.inbox.readLine()).isEqualTo("after");
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"NIO, one-byte", "NIO, random", "EPOLL, one-byte", "EPOLL, random"})
    void recordsSplitAtEveryPlaceAreReassembled(Transport t, String cut) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        long bytes = cut.equals("one-byte") ? 48 << 10 : 256 << 10;
        try (Server server = new Server(t, group(t), server(suite), false,
                cut.equals("one-byte") ? Dribbler.oneByte() : Dribbler.random(7));
                Peer c = Peer.connect(t, group(t), client(suite), "localhost", server.port(), false,
                        cut.equals("one-byte") ? Dribbler.oneByte() : Dribbler.random(8));
                Peer s = server.accept()) {
            CompletableFuture<Void> up = Async.run(() -> Payload.send(c.out(), 3, bytes));
            Payload.expect(s.inbox, 3, bytes);
            Payload.send(s.out(), 4, bytes);
            Payload.expect(c.inbox, 4, bytes);
            Async.await(up);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"NIO, TLSv1.3", "NIO, TLSv1.2", "EPOLL, TLSv1.3", "EPOLL, TLSv1.2"})
    void closeNotifyEndsThePeersInputAndClosesItsChannel(Transport t, String version) throws Exception {
        TlsCipherSuite suite = version.equals("TLSv1.3") ? TlsCipherSuite.TLS_AES_128_GCM_SHA256
                : TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
        try (Server server = new Server(t, group(t), server(suite), false);
                Peer c = Peer.connect(t, group(t), client(suite), "localhost", server.port(), false);
                Peer s = server.accept()) {
            c.awaitHandshake();
            s.awaitHandshake(); // a close during the server's handshake fails it and drops what was written early
            s.write("last words\n");
            s.channel.close(); // close_notify after the data, then the channel closes
            assertThat(c.inbox.readLine()).isEqualTo("last words");
            assertThat(c.inbox.read()).isEqualTo(-1);
            c.awaitClosed(); // no half-closure: close_notify closes the channel, as a FIN would
            assertThat(c.tls.closeNotifyReceived()).isTrue();
            assertThat(c.events).contains(SslCloseCompletionEvent.SUCCESS);
            assertThat(c.exceptions).as("a clean close is not a truncation").isEmpty();
            s.awaitClosed();
            assertThat(s.exceptions).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void tls13HalfCloseLetsTheOtherDirectionGoOn(Transport t) throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        try (Server server = new Server(t, group(t), server(suite), true);
                Peer c = Peer.connect(t, group(t), client(suite), "localhost", server.port(), true);
                Peer s = server.accept()) {
            c.awaitHandshake();
            c.write("request\n");
            c.tls.closeOutbound().sync(); // close_notify, then shutdown(SHUT_WR)
            assertThat(s.inbox.readLine()).isEqualTo("request");
            assertThat(s.inbox.read()).isEqualTo(-1);
            s.awaitEvent(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
            assertThat(s.events).contains(SslCloseCompletionEvent.SUCCESS);
            assertThat(s.events.stream().filter(e -> e == io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE))
                    .as("the TCP FIN after close_notify is not reported a second time").hasSize(1);
            s.write("response after the client's close_notify\n");
            assertThat(c.inbox.readLine()).isEqualTo("response after the client's close_notify");
            s.channel.close(); // close_notify: the client's input ends; with half-closure the client closes itself
            assertThat(c.inbox.read()).isEqualTo(-1);
            assertThat(c.events).contains(SslCloseCompletionEvent.SUCCESS);
            c.channel.close().sync();
            s.awaitClosed();
            assertThat(c.exceptions).isEmpty();
            assertThat(s.exceptions).isEmpty();
        }
    }

    @Test
    void aConnectionThatEndsWithoutCloseNotifyIsATruncation() throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        // no session tickets: a client closing with tickets still unread in its socket sends a RST, not a FIN
        KtlsContext noTickets = KtlsContext.forServer(pki.serverFor(suite.name()).loadWith(Credentials::fromPem))
                .cipherSuites(suite)
                .sessionResumption(false).build();
        try (Server server = new Server(Transport.EPOLL, group(Transport.EPOLL), noTickets, false);
                Peer c = Peer.connect(Transport.EPOLL, group(Transport.EPOLL), client(suite), "localhost",
                        server.port(), false);
                Peer s = server.accept()) {
            c.awaitHandshake();
            s.awaitHandshake();
            assertThat(s.tls.sessionTicketsSent()).isZero();
            // close the TCP connection under the TLS handler, without close_notify
            c.channel.pipeline().firstContext().close();
            s.awaitClosed();
            assertThat(s.exceptions).singleElement()
                    .isInstanceOf(io.ktls4j.handshake.TlsTruncationException.class);
        }
    }

    @Test
    void theHandshakeEventCarriesTheSessionAndEachDirectionsPlacement() throws Exception {
        TlsCipherSuite suite = TlsCipherSuite.TLS_AES_128_GCM_SHA256;
        try (Server server = new Server(Transport.NIO, group(Transport.NIO), server(suite), false);
                Peer c = Peer.connect(Transport.NIO, group(Transport.NIO), client(suite), "localhost",
                        server.port(), false);
                Peer s = server.accept()) {
            KtlsSession k = c.awaitHandshake();
            assertThat(c.tls.handshakeFuture().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(c.tls.session()).isSameAs(k);
            assertThat(k.version()).isEqualTo(TlsVersion.TLS_1_3);
            assertThat(k.decision(Direction.TX).reason()).contains("not an epoll channel");
            assertThat(k.decision(Direction.TX).fellBack()).isTrue();
            assertThat(k.decision(Direction.RX).reason()).contains("NIO");
            assertThat(s.awaitHandshake().peerCertificates()).isEmpty();
            assertThat(c.events.stream().filter(e -> e instanceof KtlsHandshakeCompletionEvent)).hasSize(1);
        }
    }
}
