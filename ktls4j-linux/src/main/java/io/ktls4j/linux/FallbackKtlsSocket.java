package io.ktls4j.linux;

import io.ktls4j.BackendKind;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.ForwardingKtlsSocket;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsVersion;
import io.ktls4j.sw.SoftwareBackend;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * A socket whose two directions may run on different backends over one channel, as tls-offload.rst runs each
 * direction on the NIC or on the host: TX calls go to the TX owner, RX calls to the RX owner. The owner of a
 * direction is decided by its first {@link #install} ({@link #decision}); before that, bytes pass through whichever
 * backend is attached (the kernel's ULP when present).
 *
 * <p>Mixing works because a direction without keys passes bytes through: the kernel's ULP moves plain bytes in a
 * direction it has no key for, so the software backend reads or writes its records on the same socket.
 */
public final class FallbackKtlsSocket extends ForwardingKtlsSocket {
    private final SocketChannel channel;
    private final BackendPolicy policy;
    private final KernelKtlsSocket kernel;
    private final String noKernel;
    private KtlsSocket software;
    private final FallbackDecision[] decisions = new FallbackDecision[2];
    /** Whether each direction has had its first key (decisions can come earlier, at attach). */
    private final boolean[] keyed = new boolean[2];

    FallbackKtlsSocket(SocketChannel channel, BackendPolicy policy, KernelKtlsSocket kernel, String noKernel)
            throws IOException {
        this.channel = channel;
        this.policy = policy;
        this.kernel = kernel;
        this.noKernel = noKernel;
        if (kernel == null) {
            // No kernel ULP: both directions are decided now.
            software = new SoftwareBackend().attach(channel);
            for (Direction d : Direction.values()) {
                decide(new FallbackDecision(d, BackendKind.SOFTWARE, policy != BackendPolicy.SOFTWARE, noKernel),
                        policy == BackendPolicy.SOFTWARE ? null : "no kTLS");
            }
        }
    }

    /** The decision for {@code direction}: empty until its first key, unless the kernel was not attached at all. */
    public synchronized Optional<FallbackDecision> decision(Direction direction) {
        return Optional.ofNullable(decisions[direction.ordinal()]);
    }

    /** The policy the socket was attached with. */
    public BackendPolicy policy() {
        return policy;
    }

    @Override
    protected synchronized KtlsSocket delegate(Direction d) {
        FallbackDecision decided = decisions[d.ordinal()];
        if (decided != null) {
            return decided.isKernel() ? kernel : software;
        }
        return kernel != null ? kernel : software;
    }

    private synchronized KtlsSocket software() throws IOException {
        if (software == null) {
            software = new SoftwareBackend().attach(channel);
        }
        return software;
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    @Override
    public synchronized void install(Direction d, CryptoInfo info) throws IOException {
        FallbackDecision decided = decisions[d.ordinal()];
        if (decided != null) { // a rekey, or the first key of a direction decided at attach
            if (decided.isKernel()) {
                kernelRekey(d, info);
            } else {
                software.install(d, info);
            }
            firstKey(d);
            return;
        }
        String what = d + " (" + info.version() + " " + info.cipher() + ")";
        if (policy == BackendPolicy.AUTO_WITH_REKEY && info.version() == TlsVersion.TLS_1_3 && !KernelTls.supportsRekey()) {
            software().install(d, info);
            FeatureProbe p = KernelTls.rekeyProbe();
            decide(new FallbackDecision(d, BackendKind.SOFTWARE, true, p.toString()), KernelFeature.REKEY.title());
            firstKey(d);
            return;
        }
        try {
            kernel.install(d, info);
            decide(new FallbackDecision(d, kernelKind(d), false, "the kernel accepted " + what), null);
        } catch (KtlsException refused) {
            if (policy == BackendPolicy.KERNEL_REQUIRED || !kernelCannot(refused)) {
                throw refused;
            }
            software().install(d, info);
            decide(new FallbackDecision(d, BackendKind.SOFTWARE, true, refused.getMessage()), reasonKey(refused));
        }
        firstKey(d);
    }

    private BackendKind kernelKind(Direction d) {
        BackendKind k = kernel.backend(d);
        return k.isKernel() ? k : BackendKind.KERNEL_SW;
    }

    private void kernelRekey(Direction d, CryptoInfo info) throws IOException {
        try {
            kernel.install(d, info);
        } catch (KernelFeatureException e) {
            throw e.withDetail(d + " has been in the kernel since its first key and cannot move to the software"
                    + " backend (attach with BackendPolicy.AUTO_WITH_REKEY to keep TLS 1.3 in software on such kernels)");
        }
    }

    /** True for the kernel's "I cannot" answers, as opposed to errors in the request. */
    private static boolean kernelCannot(KtlsException e) {
        return e instanceof KernelFeatureException || e.errno() == Errno.ENOENT || e.errno() == Errno.EINVAL
                || e.errno() == Errno.ENOPROTOOPT || e.errno() == Errno.EOPNOTSUPP;
    }

    private static String reasonKey(KtlsException e) {
        return e instanceof KernelFeatureException f ? f.feature() : e.errno().name();
    }

    private void decide(FallbackDecision d, String reasonKey) {
        decisions[d.direction().ordinal()] = d;
        FallbackStatistics.record(d, reasonKey == null ? d.reason() : reasonKey);
    }

    /** After a successful install: the JFR event of a direction's first key, with where it went and why. */
    private void firstKey(Direction direction) {
        if (keyed[direction.ordinal()]) {
            return;
        }
        keyed[direction.ordinal()] = true;
        FallbackDecision d = decisions[direction.ordinal()];
        KeyInstallEvent event = new KeyInstallEvent();
        if (event.shouldCommit()) {
            event.direction = d.direction().toString();
            event.backend = d.backend().name();
            event.fallback = d.fellBack();
            event.reason = d.reason();
            event.commit();
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (KtlsSocket s : new KtlsSocket[] {kernel, software}) {
            if (s == null) {
                continue;
            }
            try {
                s.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "FallbackKtlsSocket[" + policy + ", TX " + decisions[0] + ", RX " + decisions[1] + "]";
    }
}
