package io.ktls4j.agent;

import io.ktls4j.linux.internal.Readiness;
import io.ktls4j.Errno;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.RecordType;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.MsgIo;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Sockopt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * How the agent acts on a consumer's socket after the handshake, for a kept session's KeyUpdates: a control record
 * under the installed TX key, and the next {@code TLS_TX}/{@code TLS_RX}. {@link #LINUX} makes the socket calls;
 * tests put a software record layer in its place.
 */
interface KernelPort {
    /** Why this kernel cannot install a second TLS 1.3 key (naming Linux 6.14), or null when it can. */
    String rekeyUnavailable();

    /**
     * Sends {@code data} as one record of {@code type} ({@code sendmsg} with {@code TLS_SET_RECORD_TYPE}), waiting up
     * to {@code waitMillis} for room in the send buffer.
     *
     * @throws WouldBlockException when nothing could be sent in that time (nothing was)
     */
    void sendControl(int fd, RecordType type, byte[] data, long waitMillis) throws IOException;

    /** {@code setsockopt(SOL_TLS, TLS_TX|TLS_RX)} with the next key of a direction that has one. */
    void install(int fd, Direction direction, CryptoInfo info) throws IOException;

    /** {@code setsockopt(SOL_TLS, TLS_TX|TLS_RX, crypto_info)}: 0 or -errno; the struct bytes are zeroed. */
    static int setKey(int fd, Direction direction, CryptoInfo info) {
        byte[] struct = info.toBytes();
        try {
            return Sockopt.setSecret(fd, Native.SOL_TLS, direction.optname(), struct);
        } finally {
            Arrays.fill(struct, (byte) 0);
        }
    }

    /** The running kernel. */
    KernelPort LINUX = new KernelPort() {
        @Override
        public String rekeyUnavailable() {
            if (KernelTls.supportsRekey()) {
                return null;
            }
            return "TLS 1.3 rekey (a second TLS_TX/TLS_RX) needs Linux 6.14; this kernel (" + KernelTls.kernelRelease()
                    + ") cannot install the next key (" + KernelTls.rekeyProbe() + ")";
        }

        @Override
        public void sendControl(int fd, RecordType type, byte[] data, long waitMillis) throws IOException {
            long deadline = System.nanoTime() + waitMillis * 1_000_000;
            ByteBuffer[] src = {ByteBuffer.wrap(data)};
            while (true) {
                long n = MsgIo.send(fd, src, Native.MSG_DONTWAIT, type.value(), data.length);
                if (n >= 0) {
                    if (src[0].hasRemaining()) {
                        throw new IOException("sendmsg took " + n + " of the " + data.length + " bytes of a "
                                + type + " record");
                    }
                    return;
                }
                if (n != -Errno.EAGAIN.code()) {
                    throw Errors.write((int) -n, "sendmsg(" + type + " record)");
                }
                if (waitMillis == 0 || Readiness.await(fd, Native.POLLOUT, deadline, null) == 0) {
                    throw new WouldBlockException("the socket's send buffer stayed full for " + waitMillis + " ms");
                }
            }
        }

        @Override
        public void install(int fd, Direction direction, CryptoInfo info) throws IOException {
            int r = setKey(fd, direction, info);
            if (r < 0) {
                throw Errors.install(-r, direction, info.version(), info.cipher(), true, KernelTls.supportsRekey(),
                        null);
            }
        }
    };
}
