package io.ktls4j.linux;

import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsBackend;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Locale;

/**
 * The entry point: attaches TLS to a connected channel with per-direction fallback from the kernel to the software
 * backend ({@link BackendPolicy}). Each direction's choice and its reason are on the returned socket
 * ({@link FallbackKtlsSocket#decision}) and counted in {@link FallbackStatistics}.
 *
 * <pre>{@code
 * FallbackKtlsSocket s = Ktls.attach(channel, BackendPolicy.AUTO);
 * s.install(Direction.TX, txKeys);   // the kernel if it takes them, else software
 * s.install(Direction.RX, rxKeys);
 * s.decision(Direction.RX).ifPresent(System.out::println);
 * }</pre>
 */
public final class Ktls {
    private Ktls() {
    }

    /**
     * {@code setsockopt(TCP_ULP, "tls")} on {@code channel} as the policy allows.
     *
     * @throws KernelFeatureException with {@link BackendPolicy#KERNEL_REQUIRED} when the kernel has no kTLS
     * @throws KtlsException ENOTCONN for an unconnected channel, EEXIST when a ULP is already attached
     */
    public static FallbackKtlsSocket attach(SocketChannel channel, BackendPolicy policy) throws IOException {
        if (policy == BackendPolicy.SOFTWARE) {
            return new FallbackKtlsSocket(channel, policy, null, "the policy is SOFTWARE");
        }
        if (policy != BackendPolicy.KERNEL_REQUIRED && !KernelTls.isAvailable()) {
            // probed once per process: no fd lookup and no failing setsockopt per connection
            return new FallbackKtlsSocket(channel, policy, null, KernelTls.unavailabilityCause().getMessage());
        }
        KernelKtlsSocket kernel;
        try {
            kernel = new KernelBackend().attach(channel);
        } catch (KtlsException e) {
            boolean noKtls = e instanceof KernelFeatureException || e.errno() == Errno.EOPNOTSUPP;
            if (policy == BackendPolicy.KERNEL_REQUIRED || !noKtls) {
                throw e;
            }
            return new FallbackKtlsSocket(channel, policy, null, e.getMessage());
        }
        return new FallbackKtlsSocket(channel, policy, kernel, null);
    }

    /**
     * The policy as a {@link TlsBackend}, for APIs that take one (the handshake context): each {@code attach} is
     * {@link #attach(SocketChannel, BackendPolicy)}.
     */
    public static TlsBackend backend(BackendPolicy policy) {
        return new TlsBackend() {
            @Override
            public String name() {
                return policy.name().toLowerCase(Locale.ROOT);
            }

            @Override
            public KtlsSocket attach(SocketChannel channel) throws IOException {
                return Ktls.attach(channel, policy);
            }

            /**
             * A {@link KernelPipe} wherever the kernel backend can run (the software backend splices with it too, so
             * it fits either owner of a direction); a {@link io.ktls4j.sw.SoftwarePipe} elsewhere and for
             * {@link BackendPolicy#SOFTWARE}.
             */
            @Override
            public io.ktls4j.KtlsPipe openPipe() throws IOException {
                if (policy == BackendPolicy.SOFTWARE || !io.ktls4j.linux.internal.Native.isUsable()) {
                    return new io.ktls4j.sw.SoftwareBackend().openPipe();
                }
                return KernelPipe.open();
            }
        };
    }
}
