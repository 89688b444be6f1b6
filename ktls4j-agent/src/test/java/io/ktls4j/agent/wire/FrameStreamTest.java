package io.ktls4j.agent.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.agent.TestFds;
import io.ktls4j.linux.fd.RawDescriptors;
import io.ktls4j.linux.fd.SocketInfo;
import io.ktls4j.linux.unix.UnixSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code SCM_RIGHTS} over a socketpair between two threads: the received descriptor is the same TCP socket (same
 * {@code SO_COOKIE}, same peer), {@code SO_PEERCRED} names this process, and after both sides close their copies the
 * process has exactly the descriptors it had before.
 */
class FrameStreamTest {

    @Test
    void aTcpSocketCrossesASocketpairAndNothingLeaks() throws Exception {
        TestFds.warmUp();
        String open = TestFds.describeOpen();
        int before = TestFds.openCount();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel tcp = SocketChannel.open(listener.getLocalAddress());
             SocketChannel peer = listener.accept()) {
            int tcpFd = RawDescriptors.of(tcp);
            UnixSocket[] pair = UnixSocket.pair();
            try (FrameStream sender = new FrameStream(pair[0]); FrameStream receiver = new FrameStream(pair[1])) {
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
                assertThat(SocketInfo.cookie(received)).as("the same socket").isEqualTo(SocketInfo.cookie(tcpFd));
                assertThat(SocketInfo.of(received).peer()).isEqualTo(peer.getLocalAddress());
                assertThat(receiver.socket().peerCredentials().pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(RawDescriptors.close(received)).isTrue();
            }
        }
        assertThat(TestFds.awaitOpenCount(before)).as("open descriptors after both copies are closed; before:\n" + open
                + "after:\n" + TestFds.describeOpen()).isEqualTo(before);
    }

    @Test
    void descriptorsThatDoNotFitTheControlBufferAreFlaggedAndNotLeaked() throws Exception {
        TestFds.warmUp();
        try (TestFds.OpenFile file = TestFds.file()) {
            int before = TestFds.openCount();
            UnixSocket[] pair = UnixSocket.pair();
            int[] many = new int[FrameStream.MAX_FDS_PER_READ + 2];
            java.util.Arrays.fill(many, file.fd()); // each is passed as a copy of its own
            try (FrameStream sender = new FrameStream(pair[0]); FrameStream receiver = new FrameStream(pair[1])) {
                sender.write(new byte[] {1}, many, System.nanoTime() + 1_000_000_000L);
                receiver.readFully(new byte[1], System.nanoTime() + 1_000_000_000L);
                assertThat(receiver.descriptorsTruncated()).isTrue();
                // the receiver still holds what fitted; close() releases it
            }
            assertThat(TestFds.awaitOpenCount(before)).isEqualTo(before);
        }
    }
}
