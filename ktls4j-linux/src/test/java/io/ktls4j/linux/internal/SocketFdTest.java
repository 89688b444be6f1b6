package io.ktls4j.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;

/** Finding a channel's fd through /proc/self/fd and getsockname/getpeername, on real loopback sockets. */
class SocketFdTest {

    @Test
    void bothEndsOfAPairHaveDistinctFdsWhoseAddressesAreTheirs() throws Exception {
        try (LoopbackPair p = LoopbackPair.open()) {
            assertThat(p.clientFd).isNotEqualTo(p.serverFd).isPositive();
            assertThat(SocketFd.endpoint(p.clientFd, false).address()).isEqualTo(p.client.getLocalAddress());
            assertThat(SocketFd.endpoint(p.clientFd, true).address()).isEqualTo(p.client.getRemoteAddress());
            assertThat(SocketFd.endpoint(p.serverFd, false).address()).isEqualTo(p.server.getLocalAddress());
            assertThat(SocketFd.of(p.client)).isEqualTo(p.clientFd); // cached, re-verified
        }
    }

    @Test
    void aReusedChannelAddressAfterCloseIsNotTrustedFromTheCache() throws Exception {
        int first;
        try (LoopbackPair p = LoopbackPair.open()) {
            first = p.clientFd;
        }
        try (LoopbackPair p = LoopbackPair.open()) {
            // A fresh pair may get the same fd numbers; the lookup must still match its own addresses.
            assertThat(SocketFd.endpoint(SocketFd.of(p.client), true).address()).isEqualTo(p.client.getRemoteAddress());
            assertThat(first).isPositive();
        }
    }

    @Test
    void aListeningChannelIsFoundByItsLocalAddress() throws Exception {
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int fd = SocketFd.of(l);
            assertThat(SocketFd.endpoint(fd, false).address()).isEqualTo(l.getLocalAddress());
            assertThat(SocketFd.endpoint(fd, true)).isNull();
        }
    }

    @Test
    void anUnboundUnconnectedChannelIsEnotconn() throws Exception {
        try (SocketChannel c = SocketChannel.open()) {
            assertThatThrownBy(() -> SocketFd.of(c)).isInstanceOf(KtlsException.class)
                    .satisfies(e -> assertThat(((KtlsException) e).errno()).isEqualTo(Errno.ENOTCONN));
        }
    }

    @Test
    void ipv6LoopbackWorksToo() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            try {
                l.bind(new InetSocketAddress(v6, 0));
            } catch (java.io.IOException noIpv6) {
                org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + noIpv6);
            }
            try (SocketChannel c = SocketChannel.open(l.getLocalAddress()); SocketChannel s = l.accept()) {
                SocketFd.Endpoint e = SocketFd.endpoint(SocketFd.of(c), false);
                assertThat(e.family()).isEqualTo(Native.AF_INET6);
                assertThat(e.address().getAddress()).isInstanceOf(Inet6Address.class);
                assertThat(SocketFd.of(s)).isNotEqualTo(SocketFd.of(c));
            }
        }
    }
}
