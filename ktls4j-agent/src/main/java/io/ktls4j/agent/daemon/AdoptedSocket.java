package io.ktls4j.agent.daemon;

import io.ktls4j.linux.fd.RawDescriptors;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A received TCP socket under a JDK {@link SocketChannel}, so the handshake runs on the JDK's own I/O (virtual
 * threads park rather than pin): the descriptor of a {@link LoopbackDummies throw-away channel} is replaced with
 * {@code dup3}. The channel's cached local and remote addresses are the throw-away ones.
 *
 * <p>The agent holds two descriptors for the consumer's socket: the channel's and the received one, kept to restore
 * the socket's file status flags ({@code O_NONBLOCK} is set for the handshake and is shared with the consumer's
 * descriptor). {@link #close()} restores them and closes both; nothing here ever shuts the socket down.
 */
final class AdoptedSocket implements AutoCloseable {
    private final SocketChannel channel;
    private final int channelFd;
    private final int receivedFd;
    private final int originalFlags;
    private boolean closed;

    private AdoptedSocket(SocketChannel channel, int channelFd, int receivedFd, int originalFlags) {
        this.channel = channel;
        this.channelFd = channelFd;
        this.receivedFd = receivedFd;
        this.originalFlags = originalFlags;
    }

    /** Puts {@code receivedFd} under a channel; on success the result owns it, on failure the caller still does. */
    static AdoptedSocket adopt(int receivedFd, LoopbackDummies dummies) throws IOException {
        int flags = RawDescriptors.statusFlags(receivedFd);
        SocketChannel dummy = dummies.open();
        try {
            int fd = RawDescriptors.of(dummy);
            RawDescriptors.dup3(receivedFd, fd);
            // the JDK parks virtual threads on EAGAIN; a blocking descriptor would pin the carrier in read(2)
            RawDescriptors.setStatusFlags(receivedFd, flags | RawDescriptors.O_NONBLOCK);
            return new AdoptedSocket(dummy, fd, receivedFd, flags);
        } catch (IOException | RuntimeException e) {
            dummy.close();
            throw e;
        }
    }

    SocketChannel channel() {
        return channel;
    }

    /** The channel's descriptor: the consumer's socket. */
    int fd() {
        return channelFd;
    }

    /**
     * Aborts from another thread: closes the channel, which wakes a handshake blocked on it (the JDK swaps in a
     * closed socket first, so the consumer's socket is not shut down).
     */
    void abort() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Restores the socket's status flags and closes the agent's descriptors. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            RawDescriptors.setStatusFlags(receivedFd, originalFlags);
        } catch (IOException e) {
            // the descriptor is ours until closed below: nothing to restore on a socket that is gone
        }
        abort();
        RawDescriptors.close(receivedFd);
    }
}
