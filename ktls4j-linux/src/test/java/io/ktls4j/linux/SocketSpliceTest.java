package io.ktls4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketSplice}: TCP socket → pipe → TCP socket with real {@code splice(2)} and a {@code pipe2} pipe (no kTLS
 * needed), from virtual threads, whose sockets the JDK makes non-blocking, so that the EAGAIN waits run too.
 */
class SocketSpliceTest {
    private ServerSocketChannel listener;
    private SocketChannel aClient;
    private SocketChannel aServer;
    private SocketChannel bClient;
    private SocketChannel bServer;

    @BeforeEach
    void connect() throws Exception {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        aClient = SocketChannel.open(listener.getLocalAddress());
        aServer = listener.accept();
        bClient = SocketChannel.open(listener.getLocalAddress());
        bServer = listener.accept();
    }

    @AfterEach
    void close() throws Exception {
        for (var c : new java.nio.channels.Channel[] {aClient, aServer, bClient, bServer, listener}) {
            c.close();
        }
    }

    /** 8 MiB from a's client to b's client through a's server socket, a pipe and b's server socket: intact, then -1. */
    @Test
    void bytesMoveSocketToPipeToSocketIntactThenEndOfStream() throws Exception {
        int size = 8 << 20;
        byte[] data = new byte[size];
        new Random(7).nextBytes(data);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    aClient.write(b);
                }
                aClient.shutdownOutput();
            } catch (Exception e) {
                failed.set(e);
            }
        });
        Thread relay = Thread.ofVirtual().start(() -> {
            try (KernelPipe pipe = KernelPipe.open()) {
                SocketSplice from = SocketSplice.of(aServer);
                SocketSplice to = SocketSplice.of(bServer);
                for (long n = from.toPipe(pipe, 64 * 1024); n >= 0; n = from.toPipe(pipe, 64 * 1024)) {
                    for (long moved = 0; moved < n; ) {
                        moved += to.fromPipe(pipe, n - moved);
                    }
                }
                bServer.shutdownOutput();
            } catch (Exception e) {
                failed.set(e);
            }
        });
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        ByteBuffer in = ByteBuffer.allocate(256 * 1024);
        long total = 0;
        for (int n = bClient.read(in); n >= 0; n = bClient.read(in)) {
            received.update(in.array(), 0, n);
            total += n;
            in.clear();
        }
        writer.join();
        relay.join();
        assertThat(failed.get()).isNull();
        assertThat(total).isEqualTo(size);
        assertThat(received.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** A closed channel is ClosedChannelException, before any descriptor number is used. */
    @Test
    void aClosedChannelIsClosedChannelException() throws Exception {
        SocketSplice s = SocketSplice.of(aServer);
        aServer.close();
        try (KernelPipe pipe = KernelPipe.open()) {
            assertThatThrownBy(() -> s.toPipe(pipe, 1024)).isInstanceOf(ClosedChannelException.class);
            assertThatThrownBy(() -> s.fromPipe(pipe, 1024)).isInstanceOf(ClosedChannelException.class);
        }
    }
}
