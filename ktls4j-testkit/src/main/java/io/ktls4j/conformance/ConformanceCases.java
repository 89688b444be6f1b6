package io.ktls4j.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.KtlsPipe;
import io.ktls4j.KtlsSocket;
import io.ktls4j.TlsBackend;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * The fixtures of tools/testing/selftests/net/tls.c on the {@link KtlsSocket} contract. A backend module runs the
 * cases by extending each group class and returning its {@link BackendUnderTest}. Everything a case opens is closed
 * after it; a case that hangs fails after 60 s instead of stalling the build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class ConformanceCases {

    /** The backend the cases run on. */
    protected abstract BackendUnderTest backendUnderTest();

    /** The two ends of {@code ulp_sock_pair}: {@code fd} connected, {@code cfd} accepted. */
    public record Pair(KtlsSocket fd, KtlsSocket cfd) {
    }

    /** The plain TCP ends before the ULP is attached. */
    public record Channels(SocketChannel fd, SocketChannel cfd) {
    }

    /** The {@code tls_err} fixture: {@code fd} TX → keyless {@code cfd}; keyless {@code fd2} → {@code cfd2} RX. */
    public record ErrPairs(KtlsSocket fd, KtlsSocket cfd, KtlsSocket fd2, KtlsSocket cfd2) {
    }

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private ExecutorService executor;

    @AfterEach
    final void closeEverything() throws Exception {
        Exception first = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        executor = null;
        if (first != null) {
            throw first;
        }
    }

    /** Registers {@code r} to be closed after the case (last registered, first closed). */
    protected final <T extends AutoCloseable> T closeLater(T r) {
        resources.push(r);
        return r;
    }

    protected final TlsBackend backend() {
        return backendUnderTest().backend();
    }

    /** Skips the case when the backend does not support this version and cipher. */
    protected final void assumeSupported(TlsVersion version, CipherType cipher) {
        assumeTrue(backendUnderTest().supports(version, cipher),
                () -> backendUnderTest().name() + " does not support " + version + " " + cipher);
    }

    /** {@code tls_crypto_info_init(version, cipher, generation)}, destroyed after the case. */
    protected final CryptoInfo info(TlsVersion version, CipherType cipher, int generation) throws IOException {
        CryptoInfo info = Keys.generation(version, cipher, generation);
        closeLater(info::destroy);
        return info;
    }

    protected final CryptoInfo info(Variant v, int generation) throws IOException {
        return info(v.version(), v.cipher(), generation);
    }

    /** Registers a raw crypto_info struct to be zeroed after the case. */
    protected final byte[] zeroLater(byte[] secret) {
        closeLater(() -> java.util.Arrays.fill(secret, (byte) 0));
        return secret;
    }

    /** The TCP part of {@code ulp_sock_pair} on 127.0.0.1: bind port 0, connect, accept, close the listener. */
    protected final Channels connectedChannels() throws IOException {
        return connect(StandardProtocolFamily.INET, InetAddress.getLoopbackAddress());
    }

    /** The same over IPv6 loopback ({@code tls_v6ops}). */
    protected final Channels connectedChannels6() throws IOException {
        return connect(StandardProtocolFamily.INET6, InetAddress.getByName("::1"));
    }

    private Channels connect(StandardProtocolFamily family, InetAddress address) throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open(family)) {
            listener.bind(new InetSocketAddress(address, 0), 10);
            SocketChannel fd = closeLater(SocketChannel.open(family));
            fd.connect(listener.getLocalAddress());
            SocketChannel cfd = closeLater(listener.accept());
            return new Channels(fd, cfd);
        }
    }

    /** {@code setsockopt(TCP_ULP, "tls")}. */
    protected final KtlsSocket attach(SocketChannel channel) throws IOException {
        return closeLater(backend().attach(channel));
    }

    /** {@code ulp_sock_pair}: the ULP attached on both ends, no keys. */
    protected final Pair ulpSockPair() throws IOException {
        Channels c = connectedChannels();
        return new Pair(attach(c.fd()), attach(c.cfd()));
    }

    /**
     * {@code FIXTURE_SETUP(tls)}: generation-0 keys, TX on {@code fd}, RX on {@code cfd} (data flows fd → cfd), and
     * {@code TLS_RX_EXPECT_NO_PAD} on {@code cfd} for {@code 13_nopad}. Skips unsupported variants.
     */
    protected final Pair tls(Variant v) throws IOException {
        assumeSupported(v.version(), v.cipher());
        Pair p = ulpSockPair();
        CryptoInfo keys = info(v, 0);
        p.fd().install(Direction.TX, keys);
        p.cfd().install(Direction.RX, keys);
        if (v.nopad()) {
            p.cfd().setRxExpectNoPad(true);
        }
        return p;
    }

    /** {@code FIXTURE_SETUP(tls_err)} for any version and cipher (the kernel's uses AES_GCM_128). */
    protected final ErrPairs tlsErr(TlsVersion version, CipherType cipher) throws IOException {
        assumeSupported(version, cipher);
        Pair a = ulpSockPair();
        Pair b = ulpSockPair();
        CryptoInfo keys = info(version, cipher, 0);
        a.fd().install(Direction.TX, keys);
        b.cfd().install(Direction.RX, keys);
        return new ErrPairs(a.fd(), a.cfd(), b.fd(), b.cfd());
    }

    /** {@code pipe(2)}: a pipe from the backend under test, closed after the case. */
    protected final KtlsPipe pipe() throws IOException {
        return closeLater(backend().openPipe());
    }

    /** Installs generation 1 on fd's TX after a KeyUpdate; false (asserted refusal) when the backend cannot rekey. */
    protected final boolean rekeyTx(KtlsSocket fd, CryptoInfo gen1) throws Exception {
        if (!backendUnderTest().supportsRekey()) {
            Expect.missingFeature(() -> fd.install(Direction.TX, gen1));
            return false;
        }
        fd.install(Direction.TX, gen1);
        return true;
    }

    /** Runs {@code task} on another thread (the selftests' {@code fork()}); stopped after the case. */
    protected final <T> Future<T> background(Callable<T> task) {
        if (executor == null) {
            ExecutorService e = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "conformance-peer");
                t.setDaemon(true);
                return t;
            });
            executor = e;
            closeLater(e::shutdownNow);
        }
        return executor.submit(task);
    }

    /** Waits for a background task and returns its result (its failure fails the case). */
    protected static <T> T join(Future<T> f) throws Exception {
        try {
            return f.get(50, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Asserts the direction has no key installed ({@code getsockopt} finds none). */
    protected static void assertNoKey(KtlsSocket s, Direction d) throws IOException {
        assertThat(s.cryptoInfo(d)).as("%s installed", d).isEmpty();
    }
}
