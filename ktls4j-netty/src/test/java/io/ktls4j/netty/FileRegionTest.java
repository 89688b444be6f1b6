package io.ktls4j.netty;

import io.ktls4j.handshake.Credentials;
import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;
import io.ktls4j.TlsStat;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.FallbackStatistics;
import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.Ktls;
import io.ktls4j.sw.SoftwareTlsStats;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * FileRegions and chunked files through the software record layer (this host has no kTLS: TX is sealed in the
 * pipeline on both transports): intact, in order with the buffers around them, released when sent; and the
 * software path counted in {@code tls_stat} and the fallback statistics.
 */
@ExtendWith(LeakCheck.class)
class FileRegionTest {
    @TempDir
    Path dir;

    private static KtlsContext server() throws Exception {
        return KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem)).build();
    }

    private static KtlsContext client() throws Exception {
        return KtlsContext.forClient().trustManager(TestPki.get().caPem).build();
    }

    private Path file(String name, int size, long seed) throws Exception {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aFileRegionBetweenTwoBuffersArrivesIntactAndInOrder(Transport t) throws Exception {
        Path f = file("odd.bin", (5 << 20) + 12345, 1);
        byte[] want = Files.readAllBytes(f);
        try (Server server = new Server(t, Peers.group(t), server(), false);
                Peer c = Peer.connect(t, Peers.group(t), client(), "localhost", server.port(), false);
                Peer s = server.accept()) {
            s.awaitHandshake();
            FileRegion region = new DefaultFileRegion(f.toFile(), 100, want.length - 200);
            s.channel.write(Unpooled.copiedBuffer("head|".getBytes()));
            ChannelFuture sent = s.channel.write(region);
            s.channel.writeAndFlush(Unpooled.copiedBuffer("|tail".getBytes()));
            assertThat(new String(c.inbox.readExactly(5))).isEqualTo("head|");
            assertThat(c.inbox.readExactly(want.length - 200))
                    .isEqualTo(Arrays.copyOfRange(want, 100, want.length - 100));
            assertThat(new String(c.inbox.readExactly(5))).isEqualTo("|tail");
            assertThat(sent.sync().isSuccess()).isTrue();
            assertThat(region.refCnt()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void chunkedWriteHandlerStreamsAFile(Transport t) throws Exception {
        Path f = file("chunked.bin", 3 << 20, 2);
        try (Server server = new Server(t, Peers.group(t), server(), false);
                Peer c = Peer.connect(t, Peers.group(t), client(), "localhost", server.port(), false);
                Peer s = server.accept()) {
            s.awaitHandshake();
            s.channel.pipeline().addAfter("tls", "chunks", new ChunkedWriteHandler());
            s.channel.writeAndFlush(new ChunkedNioFile(FileChannel.open(f), 8192)).sync();
            assertThat(c.inbox.readExactly(3 << 20)).isEqualTo(Files.readAllBytes(f));
        }
    }

    @Test
    void theSoftwarePathIsCountedWithTheKernelsNames() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(KernelTls.isAvailable(), "kTLS here: TX would go to the kernel");
        long txSw = SoftwareTlsStats.snapshot().get(TlsStat.TlsTxSw);
        long rxSw = SoftwareTlsStats.snapshot().get(TlsStat.TlsRxSw);
        FallbackStatistics.Snapshot before = FallbackStatistics.snapshot();
        try (Server server = new Server(Transport.EPOLL, Peers.group(Transport.EPOLL), server(), false);
                Peer c = Peer.connect(Transport.EPOLL, Peers.group(Transport.EPOLL), client(), "localhost",
                        server.port(), false);
                Peer s = server.accept()) {
            KtlsSession session = s.awaitHandshake();
            c.awaitHandshake();
            assertThat(session.backend(Direction.TX)).isEqualTo(BackendKind.SOFTWARE);
            assertThat(session.decision(Direction.TX).fellBack()).isTrue();
            assertThat(SoftwareTlsStats.snapshot().get(TlsStat.TlsTxSw) - txSw).isEqualTo(2);
            assertThat(SoftwareTlsStats.snapshot().get(TlsStat.TlsRxSw) - rxSw).isEqualTo(2);
            FallbackStatistics.Snapshot after = FallbackStatistics.snapshot();
            assertThat(after.softwareTx() - before.softwareTx()).isEqualTo(2);
            assertThat(after.softwareRx() - before.softwareRx()).isEqualTo(2);
            assertThat(after.fallbackTx() - before.fallbackTx()).isEqualTo(2);
            assertThat(after.fallbackReasons().get("no kTLS") - before.fallbackReasons().getOrDefault("no kTLS", 0L))
                    .isEqualTo(2);
        }
    }

    @Test
    void theContextsBackendNamesThePolicy() throws Exception {
        for (BackendPolicy p : BackendPolicy.values()) {
            KtlsContext ctx = KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem))
                    .backend(Ktls.backend(p))
                    .build();
            assertThat(new KtlsHandler(ctx).backendPolicy()).isEqualTo(p);
        }
        KtlsContext sw = KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem))
                .backend(new io.ktls4j.sw.SoftwareBackend()).build();
        assertThat(new KtlsHandler(sw).backendPolicy()).isEqualTo(BackendPolicy.SOFTWARE);
        KtlsContext kernel = KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem))
                .backend(new io.ktls4j.linux.KernelBackend()).build();
        assertThat(new KtlsHandler(kernel).backendPolicy()).isEqualTo(BackendPolicy.KERNEL_REQUIRED);
        KtlsContext other = KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem))
                .backend(new io.ktls4j.TlsBackend() {
                    @Override
                    public String name() {
                        return "custom";
                    }

                    @Override
                    public io.ktls4j.KtlsSocket attach(java.nio.channels.SocketChannel channel) {
                        throw new UnsupportedOperationException();
                    }
                }).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new KtlsHandler(other))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("custom");
        KtlsContext any = KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem))
                .backend(new io.ktls4j.sw.SoftwareBackend()).build();
        assertThat(new KtlsHandler(any, null, BackendPolicy.AUTO).backendPolicy()).isEqualTo(BackendPolicy.AUTO);
    }
}
