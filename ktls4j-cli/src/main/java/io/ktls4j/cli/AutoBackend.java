package io.ktls4j.cli;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsBackend;
import io.ktls4j.linux.KernelBackend;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.sw.SoftwareBackend;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * {@code --backend auto}: the whole connection on the kernel when it supports the negotiated version and cipher,
 * else on the software record layer, deciding at the first key install (when the cipher is known) and recording the
 * reason for each fallback.
 *
 * <p>A stopgap for {@code Ktls.attach(channel, BackendPolicy.AUTO)} of ktls4j-linux, which falls back per direction;
 * this one falls back per connection.
 */
final class AutoBackend implements TlsBackend {
    private final FallbackLog fallbacks;

    AutoBackend(FallbackLog fallbacks) {
        this.fallbacks = fallbacks;
    }

    @Override
    public String name() {
        return "auto";
    }

    @Override
    public KtlsSocket attach(SocketChannel channel) throws IOException {
        return new DeferredKtlsSocket(channel, this::choose);
    }

    private KtlsSocket choose(SocketChannel channel, Direction direction, CryptoInfo info) throws IOException {
        if (!KernelTls.isAvailable()) {
            fallbacks.record("kTLS unavailable: " + KernelTls.unavailabilityCause().errno());
            return new SoftwareBackend().attach(channel);
        }
        if (!KernelTls.supports(info.version(), info.cipher())) {
            fallbacks.record(info.version() + " " + info.cipher() + " not in this kernel");
            return new SoftwareBackend().attach(channel);
        }
        try {
            return new KernelBackend().attach(channel);
        } catch (IOException e) {
            fallbacks.record("kernel attach failed: " + e.getMessage());
            return new SoftwareBackend().attach(channel);
        }
    }
}
