package io.ktls4j.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Prepares, while file descriptors are still there, what serving needs and cannot get once they have run out (F5).
 * The JDK's poller, through which a virtual thread waits for a socket, opens its epoll and wake-up descriptors when
 * its class is initialised, on the first socket read that has to wait: were that first wait to happen while the
 * process is out of descriptors, the class would fail to initialise, and every later socket wait in the process would
 * throw {@code NoClassDefFoundError}, for good. And the classes the accept loop needs when accepts fail are loaded
 * before they fail: a class loaded from a directory of the class path (not a jar opened before) needs a descriptor.
 */
final class DescriptorExhaustion {
    private static volatile boolean prepared;

    private DescriptorExhaustion() {
    }

    /**
     * Makes one virtual thread wait for a loopback socket, which initialises the poller, and loads what failing
     * accepts are logged with; once per process.
     */
    static void prepare() {
        if (prepared) {
            return;
        }
        LogLines.notice(LogLines.oneLine(new IOException("loaded before descriptors run out")));
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel accepted = listener.accept()) {
            Thread reader = Thread.ofVirtual().name("ktls-poller-init").start(() -> {
                try {
                    accepted.read(ByteBuffer.allocate(1)); // nothing to read yet: waits in the poller
                } catch (IOException e) {
                    // the byte below ends the wait
                }
            });
            while (reader.getState() != Thread.State.WAITING && reader.isAlive()) {
                Thread.onSpinWait();
            }
            client.write(ByteBuffer.wrap(new byte[] {1}));
            reader.join();
            prepared = true;
        } catch (IOException e) {
            // no loopback socket: the first connection initialises the poller, as it would have anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
