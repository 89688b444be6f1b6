package io.ktls4j.netty;

import io.ktls4j.handshake.Credentials;
import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import java.net.InetAddress;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A {@link KtlsHandler} pipeline against the JDK's own TLS ({@code SSLSocket}, {@code SSLServerSocket}) on NIO and
 * epoll: every suite both providers have (not AES-CCM) with data each way, 64 MiB for one suite per version, and
 * close_notify from each side.
 */
@ExtendWith(LeakCheck.class)
class JsseInteropTest {

    static Stream<Arguments> suitesAndTransports() {
        return Stream.of(TlsCipherSuite.values()).filter(s -> s != TlsCipherSuite.TLS_AES_128_CCM_SHA256)
                .flatMap(s -> Stream.of(Arguments.of(s, Transport.NIO), Arguments.of(s, Transport.EPOLL)));
    }

    private static long bytesFor(TlsCipherSuite suite) {
        return suite == TlsCipherSuite.TLS_AES_128_GCM_SHA256
                || suite == TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ? Payload.BULK : 1 << 20;
    }

    static SSLContext jsse(TestPki.Issued identity, TestPki pki) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", pki.ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (identity != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("id", identity.key(), "pw".toCharArray(),
                    new X509Certificate[] {identity.cert(), pki.ca.cert()});
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, "pw".toCharArray());
        }
        SSLContext sc = SSLContext.getInstance("TLS");
        sc.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return sc;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("suitesAndTransports")
    void jsseClientToNettyServer(TlsCipherSuite suite, Transport t) throws Exception {
        TestPki pki = TestPki.get();
        long bytes = bytesFor(suite);
        KtlsContext ctx = KtlsContext.forServer(pki.serverFor(suite.name()).loadWith(Credentials::fromPem))
                .cipherSuites(suite).build();
        try (Server server = new Server(t, Peers.group(t), ctx, false);
                SSLSocket client = (SSLSocket) jsse(null, pki).getSocketFactory().createSocket("localhost",
                        server.port())) {
            client.setEnabledProtocols(new String[] {suite.version().toString()});
            client.setEnabledCipherSuites(new String[] {suite.name()});
            client.startHandshake();
            try (Peer s = server.accept()) {
                assertThat(s.awaitHandshake().cipherSuite()).isEqualTo(suite);
                CompletableFuture<Void> up = Async.run(() -> Payload.send(client.getOutputStream(), 31, bytes));
                CompletableFuture<Void> down = Async.run(() -> Payload.send(s.out(), 32, bytes));
                CompletableFuture<Void> toClient = Async.run(() -> Payload.expect(client.getInputStream(), 32, bytes));
                Payload.expect(s.inbox, 31, bytes);
                Async.await(toClient);
                Async.await(up);
                Async.await(down);
                client.close(); // close_notify
                assertThat(s.inbox.read()).isEqualTo(-1);
                s.awaitClosed();
                assertThat(s.events).contains(SslCloseCompletionEvent.SUCCESS);
                assertThat(s.exceptions).isEmpty();
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("suitesAndTransports")
    void nettyClientToJsseServer(TlsCipherSuite suite, Transport t) throws Exception {
        TestPki pki = TestPki.get();
        long bytes = bytesFor(suite);
        try (SSLServerSocket listener = (SSLServerSocket) jsse(pki.serverFor(suite.name()), pki).getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            listener.setEnabledProtocols(new String[] {suite.version().toString()});
            listener.setEnabledCipherSuites(new String[] {suite.name()});
            CompletableFuture<SSLSocket> accepted = new CompletableFuture<>();
            Async.run(() -> {
                SSLSocket a = (SSLSocket) listener.accept();
                a.startHandshake(); // JSSE handshakes on first use otherwise
                accepted.complete(a);
            });
            KtlsContext ctx = KtlsContext.forClient().trustManager(pki.caPem).cipherSuites(suite).build();
            try (Peer c = Peer.connect(t, Peers.group(t), ctx, "localhost", listener.getLocalPort(), false);
                    SSLSocket server = accepted.get(Peer.WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                assertThat(c.awaitHandshake().cipherSuite()).isEqualTo(suite);
                CompletableFuture<Void> up = Async.run(() -> Payload.send(c.out(), 33, bytes));
                CompletableFuture<Void> down = Async.run(() -> Payload.send(server.getOutputStream(), 34, bytes));
                CompletableFuture<Void> toServer = Async.run(() -> Payload.expect(server.getInputStream(), 33, bytes));
                Payload.expect(c.inbox, 34, bytes);
                Async.await(toServer);
                Async.await(up);
                Async.await(down);
                c.channel.close().sync(); // close_notify
                assertThat(server.getInputStream().read()).as("JSSE reads the close_notify as the end").isEqualTo(-1);
                assertThat(c.exceptions).isEmpty();
            }
        }
    }
}
