package io.ktls4j.linux.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.LinuxErrno;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What {@link SocketInfo} and {@link RawDescriptors} see on descriptors of every kind the agent may be sent: a
 * connected, a listening and an unconnected TCP socket, a UDP socket, a file; and the flags and {@code dup3} on them.
 */
class SocketInfoTest {

    @Test
    void aConnectedTcpSocketAndAListeningOne() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel tcp = SocketChannel.open(listener.getLocalAddress());
             SocketChannel peer = listener.accept()) {
            SocketInfo c = SocketInfo.of(RawDescriptors.of(tcp));
            assertThat(c.isTcp()).isTrue();
            assertThat(c.isConnected()).isTrue();
            assertThat(c.peer()).isEqualTo(tcp.getRemoteAddress());
            assertThat(c.listening()).isFalse();
            assertThat(c.ulp()).as("no ULP attached").isEmpty();
            SocketInfo l = SocketInfo.of(RawDescriptors.of(listener));
            assertThat(l.isTcp()).isTrue();
            assertThat(l.listening()).isTrue();
            assertThat(l.isConnected()).isFalse();
            assertThat(SocketInfo.cookie(RawDescriptors.of(tcp))).isNotEqualTo(SocketInfo.cookie(RawDescriptors.of(peer)));
        }
    }

    @Test
    void udpIsNotTcpAndAFileIsNoSocket() throws Exception {
        try (DatagramChannel udp = DatagramChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            SocketInfo u = SocketInfo.of(RawDescriptors.of(udp));
            assertThat(u.isTcp()).isFalse();
            assertThat(u.ulp()).as("UDP has no TCP_ULP").isNull();
        }
        Path f = Files.createTempFile("ktls4j-fd", ".txt");
        try (FileChannel file = FileChannel.open(f)) {
            int fd = fdOf(f);
            assertThatThrownBy(() -> SocketInfo.of(fd)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(LinuxErrno.ENOTSOCK)).hasMessageContaining("ENOTSOCK");
            assertThatThrownBy(() -> SocketInfo.cookie(fd)).isInstanceOf(ErrnoException.class);
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void statusFlagsAndDup3() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel a = SocketChannel.open(listener.getLocalAddress());
             SocketChannel peerOfA = listener.accept();
             SocketChannel b = SocketChannel.open(listener.getLocalAddress());
             SocketChannel peerOfB = listener.accept()) {
            int fa = RawDescriptors.of(a);
            int fb = RawDescriptors.of(b);
            int flags = RawDescriptors.statusFlags(fa);
            RawDescriptors.setStatusFlags(fa, flags | RawDescriptors.O_NONBLOCK);
            assertThat(RawDescriptors.statusFlags(fa) & RawDescriptors.O_NONBLOCK).isNotZero();
            RawDescriptors.setStatusFlags(fa, flags);
            assertThat(RawDescriptors.statusFlags(fa)).isEqualTo(flags);
            long cookieOfA = SocketInfo.cookie(fa);
            RawDescriptors.dup3(fa, fb); // b's descriptor is now a's socket
            assertThat(SocketInfo.cookie(fb)).isEqualTo(cookieOfA);
            assertThatThrownBy(() -> RawDescriptors.statusFlags(-1)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(LinuxErrno.EBADF));
        }
    }

    private static int fdOf(Path file) throws Exception {
        try (var dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path e : dir) {
                try {
                    if (Files.readSymbolicLink(e).equals(file)) {
                        return Integer.parseInt(e.getFileName().toString());
                    }
                } catch (java.io.IOException gone) {
                    // closed meanwhile
                }
            }
        }
        throw new AssertionError(file + " is not open");
    }
}
