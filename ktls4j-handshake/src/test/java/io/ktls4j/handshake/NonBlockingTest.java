package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client and a server driven by one thread and one Selector: handshake steps, then non-blocking echo traffic. */
class NonBlockingTest {
    private final Closer closer = new Closer();

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    @Test
    void oneThreadOneSelectorDrivesBothEnds() throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext serverCtx = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).build();
        KtlsContext clientCtx = KtlsContext.forClient().trustManager(pki.caPem).build();
        ServerSocketChannel listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        SocketChannel client = closer.add(SocketChannel.open());
        client.configureBlocking(false);
        client.connect(listener.getLocalAddress());
        SocketChannel server = closer.add(listener.accept());
        server.configureBlocking(false);
        Selector selector = closer.add(Selector.open());
        SelectionKey ck = client.register(selector, SelectionKey.OP_CONNECT);
        while (!client.finishConnect()) {
            selector.select(100);
        }
        SelectionKey sk = server.register(selector, 0);

        TlsHandshake ch = clientCtx.newHandshake(client, "localhost");
        TlsHandshake sh = serverCtx.newHandshake(server, null);
        int steps = 0;
        boolean clientDone = false;
        boolean serverDone = false;
        while (!(clientDone && serverDone)) {
            if (!clientDone) {
                clientDone = ch.step() == TlsHandshake.Status.DONE;
                ck.interestOps(ch.interestOps());
            }
            if (!serverDone) {
                serverDone = sh.step() == TlsHandshake.Status.DONE;
                sk.interestOps(sh.interestOps());
            }
            if (clientDone && serverDone) {
                break;
            }
            long wait = Math.min(clientDone ? Long.MAX_VALUE : ch.remainingMillis(),
                    serverDone ? Long.MAX_VALUE : sh.remainingMillis());
            selector.select(Math.max(1, wait));
            selector.selectedKeys().clear();
            steps++;
        }
        assertThat(steps).as("the handshake waited on the selector").isPositive();
        assertThat(ch.remainingMillis()).isZero();
        KtlsConnection c = closer.add(ch.connection());
        KtlsConnection s = closer.add(sh.connection());
        assertThat(c.socketChannel().isBlocking()).isFalse();
        assertThat(c.read(ByteBuffer.allocate(10))).as("nothing to read yet: 0, not a block").isZero();

        int n = 3 << 20;
        byte[] data = new byte[n];
        new Random(5).nextBytes(data);
        ByteBuffer out = ByteBuffer.wrap(data);
        ByteBuffer echoed = ByteBuffer.allocate(n);
        ByteBuffer relay = ByteBuffer.allocate(50_000).flip();
        ck.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        sk.interestOps(SelectionKey.OP_READ);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (echoed.hasRemaining() && System.nanoTime() < deadline) {
            selector.select(5);
            selector.selectedKeys().clear();
            if (out.hasRemaining()) {
                c.write(out);
            } else {
                ck.interestOps(SelectionKey.OP_READ);
            }
            if (!relay.hasRemaining()) {
                relay.clear();
                s.read(relay);
                relay.flip();
            }
            if (relay.hasRemaining()) {
                s.write(relay);
            }
            sk.interestOps(relay.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            while (c.readable() && echoed.hasRemaining() && c.read(echoed) > 0) {
                // drain what the record layer holds, since the selector cannot see it
            }
            c.read(echoed);
        }
        assertThat(echoed.position()).isEqualTo(n);
        assertThat(echoed.array()).isEqualTo(data);
    }
}
