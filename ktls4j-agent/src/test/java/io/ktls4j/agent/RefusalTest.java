package io.ktls4j.agent;

import io.ktls4j.testkit.LabTags;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.linux.KernelTls;
import io.ktls4j.linux.fd.RawDescriptors;
import io.ktls4j.linux.fd.SocketInfo;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A kernel without kTLS (this build host; the lab's pass with the tls module blacklisted): by default the agent
 * refuses with KTLS_UNAVAILABLE before the handshake, the socket comes back untouched, and the keys never leave it.
 */
@Tag(LabTags.NO_TLS_MODULE)
class RefusalTest {
    private static AgentFixture fixture;

    @BeforeAll
    static void agent() throws Exception {
        Assumptions.assumeFalse(KernelTls.isAvailable(), "this kernel has kTLS; the refusal is for kernels without");
        TestFds.warmUp();
        fixture = AgentFixture.withDefaults();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void thePingSaysTheAgentHasNoKtls() throws Exception {
        AgentClient agent = fixture.agent();
        assertThat(agent.agentHasKtls()).isFalse();
        assertThat(agent.agentVersion()).startsWith("ktls4j-agent ");
    }

    @Test
    void withoutKtlsTheDefaultPolicyRefusesAndTheSocketIsUntouched() throws Exception {
        int before = TestFds.openCount();
        try (EchoPeer peer = new EchoPeer(); SocketChannel ch = SocketChannel.open(peer.address())) {
            int flags = RawDescriptors.statusFlags(RawDescriptors.of(ch));
            assertThatThrownBy(() -> fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build()))
                    .isInstanceOfSatisfying(AgentException.class, e -> {
                        assertThat(e.status()).isEqualTo(AgentStatus.KTLS_UNAVAILABLE);
                        assertThat(e.socketState()).isEqualTo(SocketState.UNTOUCHED);
                    })
                    .hasMessageContaining("ENOENT").hasMessageContaining("allow-software-return");
            int fd = RawDescriptors.of(ch);
            assertThat(RawDescriptors.statusFlags(fd)).as("file status flags").isEqualTo(flags);
            assertThat(SocketInfo.of(fd).ulp()).as("no ULP attached").isEmpty();
            // no TLS byte went out: the peer's first bytes are ours, in plain text
            ch.write(ByteBuffer.wrap("still plain TCP\n".getBytes()));
            assertThat(peer.readLine()).isEqualTo("still plain TCP");
            assertThat(peer.bytesBeforeFirstLine()).isZero();
            peer.socket().getOutputStream().write("back\n".getBytes());
            ByteBuffer in = ByteBuffer.allocate(5);
            while (in.hasRemaining()) {
                ch.read(in);
            }
            assertThat(new String(in.array())).isEqualTo("back\n");
        }
        fixture.awaitLog("KTLS_UNAVAILABLE", 2000);
        assertThat(TestFds.awaitOpenCount(before)).isEqualTo(before);
    }

    /**
     * A refused channel's record layer is kept for a retry only while the channel is open: after 100 refused and
     * closed connections none is kept, and a closed channel can be collected (its kept layer held it forever once).
     */
    @Test
    void refusedChannelsAreNotKeptOnceClosed() throws Exception {
        java.lang.ref.WeakReference<SocketChannel> first = null;
        try (var listener = java.nio.channels.ServerSocketChannel.open()
                .bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
            for (int i = 0; i < 100; i++) {
                SocketChannel ch = SocketChannel.open(listener.getLocalAddress());
                listener.accept().close();
                try {
                    assertThatThrownBy(() -> fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build()))
                            .isInstanceOf(AgentException.class);
                    assertThat(AgentClient.untouchedKept()).as("kept while open").isGreaterThanOrEqualTo(1);
                } finally {
                    ch.close();
                }
                if (first == null) {
                    first = new java.lang.ref.WeakReference<>(ch);
                }
            }
            try (SocketChannel open = SocketChannel.open(listener.getLocalAddress());
                 SocketChannel accepted = listener.accept()) {
                assertThatThrownBy(() -> fixture.agent().handshake(open, HandshakeRequest.client("localhost").build()))
                        .isInstanceOf(AgentException.class);
                assertThat(AgentClient.untouchedKept()).as("only the one still open").isEqualTo(1);
            }
        }
        for (int i = 0; i < 50 && first.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertThat(first.get()).as("the first refused channel, closed, was collected").isNull();
    }
}
