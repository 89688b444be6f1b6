package io.ktls4j.sw;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Finishes writing ciphertext that a non-blocking send has already accepted, the way the kernel's socket buffer
 * drains on its own: the software backend reports bytes as sent once they are sealed into records, so what the
 * socket could not take at once is written here as soon as the socket is writable. One daemon thread and one
 * {@link Selector} for the process, started on first use.
 */
final class PendingFlusher {
    private static final PendingFlusher INSTANCE = new PendingFlusher();

    private final Queue<SoftwareTx> requests = new ConcurrentLinkedQueue<>();
    private volatile Selector selector;

    private PendingFlusher() {
    }

    static void schedule(SoftwareTx tx) {
        INSTANCE.add(tx);
    }

    private void add(SoftwareTx tx) {
        try {
            Selector s = selector();
            requests.add(tx);
            s.wakeup();
        } catch (IOException e) {
            tx.backgroundFailed(e);
        }
    }

    private synchronized Selector selector() throws IOException {
        if (selector == null) {
            selector = Selector.open();
            Thread t = Thread.ofPlatform().daemon().name("ktls4j-pending-flush").unstarted(this::run);
            t.start();
        }
        return selector;
    }

    private void run() {
        Selector s = selector;
        while (true) {
            try {
                s.select(1000);
                for (SoftwareTx tx; (tx = requests.poll()) != null; ) {
                    register(s, tx);
                }
                for (SelectionKey key : s.selectedKeys()) {
                    SoftwareTx tx = (SoftwareTx) key.attachment();
                    if (tx.flushFromBackground()) {
                        key.cancel(); // drained: give the channel back (it may be switched to blocking again)
                    }
                }
                s.selectedKeys().clear();
                s.selectNow(); // complete cancellations now
            } catch (IOException | RuntimeException e) {
                // keep serving other sockets; a socket's own failure is recorded on that socket
            }
        }
    }

    private static void register(Selector s, SoftwareTx tx) {
        SocketChannel ch = tx.channel();
        try {
            SelectionKey existing = ch.keyFor(s);
            if (existing != null && existing.isValid()) {
                existing.interestOps(SelectionKey.OP_WRITE);
                existing.attach(tx);
                return;
            }
            s.selectNow(); // a cancelled key of this channel must be flushed out before registering again
            ch.register(s, SelectionKey.OP_WRITE, tx);
        } catch (ClosedChannelException | CancelledKeyException e) {
            tx.backgroundFailed(e);
        } catch (IOException | RuntimeException e) {
            tx.backgroundFailed(e);
        }
    }
}
