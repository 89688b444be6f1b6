package io.ktls4j.handshake;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import org.bouncycastle.tls.TlsProtocol;

/**
 * Reads the handshake from the socket one TLS record at a time: the 5-byte header, then exactly the body it
 * announces. BouncyCastle is fed whole records only, so it never consumes a byte past the record that completes the
 * handshake; whatever follows stays in the socket for the record layer.
 */
final class HandshakeRecordReader {
    static final int HEADER = 5;

    private final ByteBuffer header = ByteBuffer.allocate(HEADER);
    private ByteBuffer body;
    private long bytesRead;

    /**
     * Returns the next whole record (header and body), or null when the channel has no more bytes for now.
     * BouncyCastle checks the header ({@code previewInputRecord}) and raises the alert a malformed one deserves.
     *
     * @throws TlsHandshakeException when the peer closes the connection
     */
    byte[] next(ReadableByteChannel channel, TlsProtocol protocol) throws IOException {
        if (body == null) {
            if (!fill(channel, header)) {
                return null;
            }
            int size = protocol.previewInputRecord(header.array()).getRecordSize();
            body = ByteBuffer.allocate(size - HEADER);
        }
        if (!fill(channel, body)) {
            return null;
        }
        byte[] record = new byte[HEADER + body.capacity()];
        System.arraycopy(header.array(), 0, record, 0, HEADER);
        System.arraycopy(body.array(), 0, record, HEADER, body.capacity());
        header.clear();
        body = null;
        return record;
    }

    /** Bytes read from the peer so far. */
    long bytesRead() {
        return bytesRead;
    }

    private boolean fill(ReadableByteChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf);
            if (n < 0) {
                throw new TlsHandshakeException("the peer closed the connection during the handshake (after "
                        + (bytesRead == 0 ? "sending nothing" : bytesRead + " bytes") + ")");
            }
            if (n == 0) {
                return false;
            }
            bytesRead += n;
        }
        return true;
    }
}
