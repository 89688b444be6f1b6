package io.ktls4j.netty;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.FallbackDecision;
import io.ktls4j.linux.FallbackStatistics;
import io.ktls4j.linux.KernelFeature;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.fd.KtlsDescriptor;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;

/**
 * Where each direction of a {@link KtlsHandler}'s connection goes, decided as {@code Ktls.attach} decides for a
 * {@code SocketChannel} (same policies, reasons and {@link FallbackStatistics}), on the channel's descriptor:
 *
 * <ul>
 * <li>TX: the kernel ({@code TCP_ULP} "tls", then {@code TLS_TX}) when the channel is an {@link EpollSocketChannel}
 * and the policy, the kernel and the cipher allow; the software record layer in the pipeline otherwise.
 * <li>RX: always the software record layer in the pipeline. After {@code TLS_RX} the kernel answers a plain
 * {@code read()} with EIO when the next record is a control record (close_notify, KeyUpdate, NewSessionTicket) and
 * keeps the record until a {@code recvmsg} with a control buffer takes it. Netty's epoll read loop cannot do that:
 * {@code AbstractEpollChannel.doReadBytes(ByteBuf)} is {@code protected final},
 * {@code EpollStreamUnsafe.epollInReady()} is package-private, and on an {@code IOException} from the read
 * {@code handleReadException} shuts the input down
 * ({@code SHUT_RD}, or closes the channel): the first control record would end the connection. With the ULP attached
 * and no RX key, the kernel passes received bytes through, and the pipeline opens the records.
 * </ul>
 */
final class TxPlacement {
    static final String RX_REASON_EPOLL = "Netty's epoll read path cannot take control records from kTLS "
            + "(AbstractEpollChannel.doReadBytes is final and a read error shuts the input): RX is opened in the "
            + "pipeline";
    static final String RX_REASON_NIO = "a NIO channel: records are opened in the pipeline";

    private TxPlacement() {
    }

    /** The TX decision, and the descriptor that carries TX in the kernel (-1 when it stays in software). */
    record Placed(FallbackDecision tx, FallbackDecision rx, int kernelFd) {}

    /** The descriptor of an epoll TCP channel, or -1 for any other transport. */
    static int descriptor(Channel channel) {
        try {
            return channel instanceof EpollSocketChannel e && e.isOpen() ? e.fd().intValue() : -1;
        } catch (LinkageError noEpollClasses) {
            return -1;
        }
    }

    /**
     * Checks before the handshake what can be known then: KERNEL_REQUIRED needs an epoll channel and kTLS.
     *
     * @throws KtlsException EOPNOTSUPP, or the kernel's unavailability cause
     */
    static void precheck(Channel channel, BackendPolicy policy) throws KtlsException {
        if (policy != BackendPolicy.KERNEL_REQUIRED) {
            return;
        }
        if (descriptor(channel) < 0) {
            throw new KtlsException(Errno.EOPNOTSUPP, "the backend policy is KERNEL_REQUIRED but "
                    + channel.getClass().getSimpleName() + " has no socket descriptor: kernel TLS needs Netty's "
                    + "epoll transport (EpollSocketChannel)");
        }
        KernelTls.ensureAvailability();
    }

    /**
     * Places TX: attaches the ULP and installs {@code tx} in the kernel when it can, and records both directions'
     * decisions in {@link FallbackStatistics}. Call once every handshake byte has been written to the socket (the
     * kernel must not frame them).
     *
     * @throws KtlsException when the policy requires the kernel and it refuses, or the kernel answers with an error
     *     that is not a refusal (e.g. EEXIST: another ULP)
     */
    static Placed place(Channel channel, BackendPolicy policy, CryptoInfo tx) throws IOException {
        int fd = descriptor(channel);
        FallbackDecision rx = new FallbackDecision(Direction.RX, BackendKind.SOFTWARE, false,
                fd < 0 ? RX_REASON_NIO : RX_REASON_EPOLL);
        Placed placed = placeTx(fd, channel, policy, tx, rx);
        KtlsDescriptor.countPlacement(placed.rx(), placed.rx().reason());
        return placed;
    }

    private static Placed placeTx(int fd, Channel channel, BackendPolicy policy, CryptoInfo tx, FallbackDecision rx)
            throws IOException {
        if (policy == BackendPolicy.SOFTWARE) {
            return software(rx, false, "the policy is SOFTWARE", null);
        }
        if (fd < 0) {
            precheck(channel, policy);
            return software(rx, true, "not an epoll channel (" + channel.getClass().getSimpleName()
                    + "): kernel TLS needs the socket descriptor of Netty's epoll transport", "not an epoll channel");
        }
        if (policy == BackendPolicy.AUTO_WITH_REKEY && tx.version() == TlsVersion.TLS_1_3
                && !KernelTls.supportsRekey()) {
            return software(rx, true, KernelTls.rekeyProbe().toString(), KernelFeature.REKEY.title());
        }
        if (policy != BackendPolicy.KERNEL_REQUIRED && !KernelTls.isAvailable()) {
            // probed once per process: no failing setsockopt per connection
            return software(rx, true, KernelTls.unavailabilityCause().getMessage(), "no kTLS");
        }
        try {
            KtlsDescriptor.attachUlp(fd);
        } catch (KtlsException e) {
            boolean noKtls = e instanceof KernelFeatureException || e.errno() == Errno.EOPNOTSUPP;
            if (policy == BackendPolicy.KERNEL_REQUIRED || !noKtls) {
                throw e;
            }
            return software(rx, true, e.getMessage(), "no kTLS");
        }
        try {
            KtlsDescriptor.install(fd, Direction.TX, tx, false);
        } catch (KtlsException refused) {
            if (policy == BackendPolicy.KERNEL_REQUIRED || !kernelCannot(refused)) {
                throw refused;
            }
            // the ULP stays: with no TX key it passes the software layer's records through
            return software(rx, true, refused.getMessage(), reasonKey(refused));
        }
        FallbackDecision d = new FallbackDecision(Direction.TX, BackendKind.KERNEL_SW, false,
                "the kernel accepted TX (" + tx.version() + " " + tx.cipher() + ")");
        KtlsDescriptor.countPlacement(d, d.reason());
        return new Placed(d, rx, fd);
    }

    private static Placed software(FallbackDecision rx, boolean fellBack, String reason, String reasonKey) {
        FallbackDecision d = new FallbackDecision(Direction.TX, BackendKind.SOFTWARE, fellBack, reason);
        KtlsDescriptor.countPlacement(d, reasonKey == null ? reason : reasonKey);
        return new Placed(d, rx, -1);
    }

    /** True for the kernel's "I cannot" answers, as opposed to errors in the request (as FallbackKtlsSocket). */
    private static boolean kernelCannot(KtlsException e) {
        return e instanceof KernelFeatureException || e.errno() == Errno.ENOENT || e.errno() == Errno.EINVAL
                || e.errno() == Errno.ENOPROTOOPT || e.errno() == Errno.EOPNOTSUPP;
    }

    private static String reasonKey(KtlsException e) {
        return e instanceof KernelFeatureException f ? f.feature() : e.errno().name();
    }
}
