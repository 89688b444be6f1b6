package io.ktls4j.linux.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.LinuxErrno;
import io.ktls4j.linux.fd.RawDescriptors;
import io.ktls4j.linux.fd.SocketInfo;
import io.ktls4j.linux.internal.Descriptors;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Unix-socket API on real sockets (no kTLS needed): bytes and descriptors over a socketpair
 * ({@code SCM_RIGHTS}), a bound socket file with accept and {@code SO_PEERCRED}, the would-block and end-of-stream
 * conventions, and the one wait (data, deadline, close) from a virtual and from a platform thread.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnixSocketTest {
    private static final long SECONDS_5 = 5_000_000_000L;

    @Test
    void bytesAndADescriptorCrossASocketpairAndNothingLeaks() throws Exception {
        int before = Descriptors.openCount();
        try (DatagramChannel udp = udp()) {
            int udpFd = RawDescriptors.of(udp);
            UnixSocket[] pair = UnixSocket.pair();
            try (UnixSocket a = pair[0]; UnixSocket b = pair[1]) {
                assertThat(a.send("hello".getBytes(StandardCharsets.US_ASCII), 0, 5, udpFd)).isEqualTo(5);
                assertThat(b.awaitReadable(System.nanoTime() + SECONDS_5)).isTrue();
                byte[] in = new byte[16];
                UnixSocket.Received r = b.receive(in, 0, in.length, 4);
                assertThat(new String(in, 0, r.bytes(), StandardCharsets.US_ASCII)).isEqualTo("hello");
                assertThat(r.fds()).hasSize(1);
                assertThat(r.descriptorsTruncated()).isFalse();
                int copy = r.fds()[0];
                assertThat(copy).isNotEqualTo(udpFd);
                assertThat(SocketInfo.cookie(copy)).as("the same socket").isEqualTo(SocketInfo.cookie(udpFd));
                assertThat(RawDescriptors.close(copy)).isTrue();
                assertThat(RawDescriptors.close(copy)).as("closed already").isFalse();

                PeerCredentials me = b.peerCredentials();
                assertThat(me.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(me.uid()).isEqualTo(uid());
                assertThat(b.peerGroups()).isNotNull();

                a.shutdownOutput();
                assertThat(b.awaitReadable(System.nanoTime() + SECONDS_5)).isTrue();
                assertThat(b.receive(in, 0, in.length, 0).bytes()).as("end of stream").isEqualTo(-1);
                assertThat(b.peerClosed()).isTrue();
                assertThat(a.peerClosed()).isFalse();
            }
            assertThat(udp.isOpen()).as("the sender's descriptor stays its own").isTrue();
        }
        assertThat(awaitOpenCount(before)).isEqualTo(before);
    }

    @Test
    void descriptorsBeyondTheRoomAreClosedByTheKernelAndFlagged() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; DatagramChannel udp = udp()) {
            int before = Descriptors.openCount();
            int fd = RawDescriptors.of(udp);
            a.send(new byte[] {1}, 0, 1, fd, fd, fd);
            b.awaitReadable(System.nanoTime() + SECONDS_5);
            UnixSocket.Received r = b.receive(new byte[1], 0, 1, 1);
            assertThat(r.fds()).as("what fitted the control buffer").isNotEmpty().hasSizeLessThan(3);
            assertThat(r.descriptorsTruncated()).isTrue();
            for (int copy : r.fds()) {
                RawDescriptors.close(copy);
            }
            assertThat(awaitOpenCount(before)).isEqualTo(before);
        }
    }

    @Test
    void nothingToReadIsWouldBlockAndAClosedSocketIsClosed() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]) {
            assertThatThrownBy(() -> b.receive(new byte[1], 0, 1, 0)).isInstanceOf(WouldBlockException.class);
            b.close();
            assertThat(b.isOpen()).isFalse();
            assertThatThrownBy(() -> b.receive(new byte[1], 0, 1, 0)).isInstanceOf(ClosedChannelException.class);
            assertThatThrownBy(() -> a.send(new byte[] {1}, 0, 1)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).as(e.getMessage()).isEqualTo(io.ktls4j.Errno.EPIPE.code()));
        }
    }

    @Test
    void aBoundSocketAcceptsConnectionsAndNamesItsPeer() throws Exception {
        Path dir = Files.createTempDirectory("ktls4j-unix");
        Path path = dir.resolve("s.sock");
        try (UnixServerSocket server = UnixServerSocket.bind(path)) {
            assertThatThrownBy(() -> UnixSocket.connect(path)).as("bound, not listening")
                    .isInstanceOfSatisfying(ErrnoException.class,
                            e -> assertThat(e.errno()).isEqualTo(LinuxErrno.ECONNREFUSED));
            server.listen(8);
            assertThatThrownBy(() -> UnixServerSocket.bind(path)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(LinuxErrno.EADDRINUSE));
            try (UnixSocket client = UnixSocket.connect(path); UnixSocket accepted = server.accept()) {
                assertThat(accepted.peerCredentials().pid()).isEqualTo(ProcessHandle.current().pid());
                client.send(new byte[] {7}, 0, 1);
                accepted.awaitReadable(System.nanoTime() + SECONDS_5);
                byte[] b = new byte[1];
                assertThat(accepted.receive(b, 0, 1, 0).bytes()).isEqualTo(1);
                assertThat(b[0]).isEqualTo((byte) 7);
            }
            CompletableFuture<Throwable> blocked = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    server.accept().close();
                    blocked.complete(null);
                } catch (Throwable t) {
                    blocked.complete(t);
                }
            });
            Thread.sleep(200);
            server.shutdown();
            assertThat(blocked.get(5, TimeUnit.SECONDS)).isInstanceOf(AsynchronousCloseException.class);
        } finally {
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
        assertThatThrownBy(() -> UnixSocket.connect(path)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e).hasMessageContaining("ENOENT"));
        assertThatThrownBy(() -> UnixServerSocket.bind(Path.of("/tmp/" + "x".repeat(UnixServerSocket.MAX_PATH_BYTES))))
                .isInstanceOfSatisfying(ErrnoException.class,
                        e -> assertThat(e.errno()).isEqualTo(LinuxErrno.ENAMETOOLONG));
    }

    @ParameterizedTest(name = "virtual thread: {0}")
    @ValueSource(booleans = {true, false})
    void aWaitEndsAtItsDeadlineWakesOnDataAndEndsWhenTheSocketIsClosed(boolean virtual) throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]) {
            long start = System.nanoTime();
            assertThat(on(virtual, () -> b.awaitReadable(start + 300_000_000L)).get(5, TimeUnit.SECONDS)).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(300_000_000L);

            CompletableFuture<Boolean> data = on(virtual, () -> b.awaitReadable(System.nanoTime() + 30 * SECONDS_5));
            Thread.sleep(300);
            assertThat(data).isNotDone();
            a.send(new byte[] {1}, 0, 1);
            assertThat(data.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(b.receive(new byte[1], 0, 1, 0).bytes()).isEqualTo(1);
            assertThat(b.awaitWritable(System.nanoTime() + SECONDS_5)).isTrue();

            CompletableFuture<Boolean> closed = on(virtual, () -> b.awaitReadable(System.nanoTime() + 30 * SECONDS_5));
            Thread.sleep(300);
            long closing = System.nanoTime();
            b.close();
            assertThat(closed).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                    .withRootCauseInstanceOf(ClosedChannelException.class);
            assertThat(System.nanoTime() - closing).as("the close wakes the waiter").isLessThan(1_000_000_000L);
            assertThat(a.peerClosed()).isTrue();
        }
    }

    @ParameterizedTest(name = "virtual thread: {0}")
    @ValueSource(booleans = {true, false})
    void aRawDescriptorWaitWakesOnDataOrEndsAtItsDeadline(boolean virtual) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel tcp = SocketChannel.open(listener.getLocalAddress());
             SocketChannel peer = listener.accept()) {
            int fd = RawDescriptors.of(tcp);
            long start = System.nanoTime();
            assertThat(on(virtual, () -> RawDescriptors.awaitReadable(fd, start + 200_000_000L)).get(5,
                    TimeUnit.SECONDS)).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
            CompletableFuture<Boolean> woke = on(virtual,
                    () -> RawDescriptors.awaitReadable(fd, System.nanoTime() + 30 * SECONDS_5));
            Thread.sleep(200);
            peer.write(ByteBuffer.wrap(new byte[] {1}));
            assertThat(woke.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(RawDescriptors.awaitWritable(fd, System.nanoTime() + SECONDS_5)).isTrue();
        }
    }

    private static <T> CompletableFuture<T> on(boolean virtual, Callable<T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Runnable r = () -> {
            try {
                f.complete(call.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        };
        (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(r);
        return f;
    }

    private static int uid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).strip().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    private static DatagramChannel udp() throws IOException {
        return DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private static int awaitOpenCount(int expected) throws Exception {
        int n = Descriptors.openCount();
        for (int i = 0; i < 250 && n != expected; i++) {
            Thread.sleep(20);
            n = Descriptors.openCount();
        }
        return n;
    }
}
