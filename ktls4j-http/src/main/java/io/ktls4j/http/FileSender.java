package io.ktls4j.http;

import io.ktls4j.KtlsChannel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * How a connection sends a region of a file: the hook that lets the TLS layer use {@code sendfile}. On a plain socket
 * {@link FileChannel#transferTo} is {@code sendfile(2)} already; on a {@link KtlsChannel} it is
 * {@link KtlsChannel#transferFrom}, which is {@code sendfile(2)} on a kernel-TLS socket and an encrypting copy on the
 * software backend.
 */
@FunctionalInterface
public interface FileSender {

    /**
     * Sends up to {@code count} bytes of {@code file} from {@code position}, blocking until some are sent.
     *
     * @return the number of bytes sent, 0 only when the file has nothing at {@code position} (it shrank)
     */
    long send(FileChannel file, long position, long count) throws IOException;

    /** The sender for a channel: {@link KtlsChannel#transferFrom} for a kTLS channel, else {@code transferTo}. */
    static FileSender forChannel(WritableByteChannel channel) {
        if (channel instanceof KtlsChannel k) {
            return k::transferFrom;
        }
        return (file, position, count) -> file.transferTo(position, count, channel);
    }
}
