package io.ktls4j.agent.daemon;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.RecordType;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.fd.KtlsDescriptor;
import io.ktls4j.linux.fd.RawDescriptors;
import io.ktls4j.linux.fd.SocketInfo;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The daemon's one way to a consumer's TCP socket in the kernel: what the socket is, the tls ULP, the keys
 * ({@code TLS_TX}/{@code TLS_RX}, first and next), and a control record under the installed TX key (a kept session's
 * KeyUpdate). {@link #LINUX} makes the calls of ktls4j-linux's {@code io.ktls4j.linux.fd}; tests put a software record
 * layer in its place. Descriptor plumbing (receiving, {@code dup3} under a JDK channel, closing) is not the kernel's
 * TLS and goes through ktls4j-linux's {@code unix} and {@code fd} API directly.
 */
interface KernelPort {
    /** The running kernel. */
    KernelPort LINUX = new Linux();

    /** Why this kernel cannot install a second TLS 1.3 key (naming Linux 6.14), or null when it can. */
    String rekeyUnavailable();

    /** What {@code fd} is (TCP? connected? listening? which ULP?); {@code ErrnoException} ENOTSOCK for no socket. */
    SocketInfo inspect(int fd) throws IOException;

    /** The socket's {@code SO_COOKIE}: the same socket exactly when equal. */
    long cookie(int fd) throws IOException;

    /**
     * {@code setsockopt(TCP_ULP, "tls")}.
     *
     * @throws io.ktls4j.KtlsException ENOENT ({@link io.ktls4j.KernelFeatureException}) when the kernel has no kTLS
     */
    void attachUlp(int fd) throws IOException;

    /**
     * {@code setsockopt(SOL_TLS, TLS_TX|TLS_RX)}.
     *
     * @param rekey true when the direction has a key already (a KeyUpdate's next key)
     */
    void install(int fd, Direction direction, CryptoInfo info, boolean rekey) throws IOException;

    /**
     * Sends {@code data} as one record of {@code type} ({@code sendmsg} with {@code TLS_SET_RECORD_TYPE}), waiting up
     * to {@code waitMillis} for room in the send buffer.
     *
     * @throws WouldBlockException when nothing could be sent in that time (nothing was)
     */
    void sendControl(int fd, RecordType type, byte[] data, long waitMillis) throws IOException;

    /** {@link #LINUX}: the syscalls. Not final, so that a test replaces only what it must. */
    class Linux implements KernelPort {
        @Override
        public String rekeyUnavailable() {
            if (KernelTls.supportsRekey()) {
                return null;
            }
            return "TLS 1.3 rekey (a second TLS_TX/TLS_RX) needs Linux 6.14; this kernel (" + KernelTls.kernelRelease()
                    + ") cannot install the next key (" + KernelTls.rekeyProbe() + ")";
        }

        @Override
        public SocketInfo inspect(int fd) throws IOException {
            return SocketInfo.of(fd);
        }

        @Override
        public long cookie(int fd) throws IOException {
            return SocketInfo.cookie(fd);
        }

        @Override
        public void attachUlp(int fd) throws IOException {
            KtlsDescriptor.attachUlp(fd);
        }

        @Override
        public void install(int fd, Direction direction, CryptoInfo info, boolean rekey) throws IOException {
            KtlsDescriptor.install(fd, direction, info, rekey);
        }

        @Override
        public void sendControl(int fd, RecordType type, byte[] data, long waitMillis) throws IOException {
            long deadline = System.nanoTime() + waitMillis * 1_000_000;
            ByteBuffer src = ByteBuffer.wrap(data);
            while (true) {
                try {
                    int n = KtlsDescriptor.sendControl(fd, type, src);
                    if (src.hasRemaining()) {
                        throw new IOException("sendmsg took " + n + " of the " + data.length + " bytes of a " + type
                                + " record");
                    }
                    return;
                } catch (WouldBlockException full) {
                    if (waitMillis == 0 || !RawDescriptors.awaitWritable(fd, deadline)) {
                        throw new WouldBlockException("the socket's send buffer stayed full for " + waitMillis
                                + " ms");
                    }
                }
            }
        }
    }
}
