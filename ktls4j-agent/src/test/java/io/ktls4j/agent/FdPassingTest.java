package io.ktls4j.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.linux.internal.Descriptors;
import io.ktls4j.linux.internal.SocketFd;
import io.ktls4j.linux.internal.UnixSockets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code SCM_RIGHTS} over a socketpair between two threads: the received descriptor is the same TCP socket (same
 * addresses, bytes written through it arrive at the peer), {@code SO_PEERCRED} names this process, and after both
 * sides close their copies the process has exactly the descriptors it had before.
 */
class FdPassingTest {

    @Test
    void aTcpSocketCrossesASocketpairAndNothingLeaks() throws Exception {
        TestFds.warmUp();
        String open = TestFds.describeOpen();
        int before = Descriptors.openCount();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel tcp = SocketChannel.open(listener.getLocalAddress());
             SocketChannel peer = listener.accept()) {
            int tcpFd = SocketFd.of(tcp);
            int[] pair = UnixSockets.socketpair();
            assertThat(pair).hasSize(2);
            try (UnixStream sender = new UnixStream(pair[0]); UnixStream receiver = new UnixStream(pair[1])) {
                CompletableFuture<int[]> got = CompletableFuture.supplyAsync(() -> {
                    try {
                        byte[] b = new byte[5];
                        receiver.readFully(b, System.nanoTime() + 5_000_000_000L);
                        assertThat(new String(b)).isEqualTo("hello");
                        return receiver.takeDescriptors();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> Thread.ofVirtual().start(r));
                sender.write("hello".getBytes(), new int[] {tcpFd}, System.nanoTime() + 5_000_000_000L);
                int[] fds = got.get(5, TimeUnit.SECONDS);
                assertThat(fds).hasSize(1);
                int received = fds[0];
                assertThat(received).isNotEqualTo(tcpFd);
                assertThat(SocketFd.endpoint(received, false)).isEqualTo(SocketFd.endpoint(tcpFd, false));
                assertThat(SocketFd.endpoint(received, true)).isEqualTo(SocketFd.endpoint(tcpFd, true));
                assertThat(Descriptors.statusFlags(received) & 0x80000).as("O_CLOEXEC is a descriptor flag").isZero();
                // the received descriptor is the same socket: bytes sent through it arrive at the TCP peer
                assertThat(UnixSockets.send(received, "via copy".getBytes(), 0, 8, new int[0], 0)).isEqualTo(8);
                ByteBuffer in = ByteBuffer.allocate(8);
                while (in.hasRemaining()) {
                    peer.read(in);
                }
                assertThat(new String(in.array())).isEqualTo("via copy");
                UnixSockets.PeerCredentials cred = UnixSockets.peerCredentials(pair[1]);
                assertThat(cred.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(Descriptors.close(received)).isZero();
            }
        }
        assertThat(TestFds.awaitOpenCount(before)).as("open descriptors after both copies are closed; before:\n" + open
                + "after:\n" + TestFds.describeOpen()).isEqualTo(before);
    }

    @Test
    void descriptorsThatDoNotFitTheControlBufferAreFlaggedAndNotLeaked() throws Exception {
        TestFds.warmUp();
        int before = Descriptors.openCount();
        int[] pair = UnixSockets.socketpair();
        int[] many = new int[UnixStream.MAX_FDS_PER_READ + 2];
        for (int i = 0; i < many.length; i++) {
            many[i] = Descriptors.dup(pair[0]);
        }
        try (UnixStream sender = new UnixStream(pair[0]); UnixStream receiver = new UnixStream(pair[1])) {
            sender.write(new byte[] {1}, many, System.nanoTime() + 1_000_000_000L);
            receiver.readFully(new byte[1], System.nanoTime() + 1_000_000_000L);
            assertThat(receiver.descriptorsTruncated()).isTrue();
            // the receiver still holds what fitted; close() releases it
        }
        for (int fd : many) {
            Descriptors.close(fd);
        }
        assertThat(TestFds.awaitOpenCount(before)).isEqualTo(before);
    }
}
