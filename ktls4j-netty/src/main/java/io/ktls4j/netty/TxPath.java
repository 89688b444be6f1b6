package io.ktls4j.netty;

import io.ktls4j.BackendKind;
import io.ktls4j.RecordType;
import io.netty.channel.ChannelPromise;
import java.io.IOException;

/**
 * The transmit side of an established connection, below the application's writes: records sealed in the pipeline
 * ({@link SealingTx}) or by the kernel ({@link KernelTx}). Everything is sent in the order it was given, control
 * records included. Event-loop confined.
 */
interface TxPath {
    BackendKind backend();

    /** Application data: a {@link io.netty.buffer.ByteBuf} or a {@link io.netty.channel.FileRegion} (now owned). */
    void write(Object msg, ChannelPromise promise);

    void flush();

    /** One control record of {@code type} (an alert), after everything written before it. */
    void writeControl(RecordType type, byte[] body, ChannelPromise promise);

    /**
     * TLS 1.3: a KeyUpdate under the current key, after everything written before it, then the next key for what
     * follows.
     *
     * @throws IOException typed, before anything is written, when this record layer cannot change its key (a kernel
     *     before Linux 6.14)
     */
    void writeKeyUpdate(boolean requestPeerUpdate, ChannelPromise promise) throws IOException;

    /** Fails and releases what has not been sent yet and zeroes the key this path holds. Idempotent. */
    void release(Throwable cause);
}
