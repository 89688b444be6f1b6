package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.handshake.spi.PostHandshakeMessages;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Small pieces: hostname matching, post-handshake message framing, names. */
class UnitsTest {
    @Test
    void hostnameMatching() throws Exception {
        TestPki pki = TestPki.get();
        assertThat(HostnameMatcher.mismatch("localhost", pki.ecServer.cert())).isNull();
        assertThat(HostnameMatcher.mismatch("LOCALHOST.", pki.ecServer.cert())).isNull();
        assertThat(HostnameMatcher.mismatch("127.0.0.1", pki.ecServer.cert())).isNull();
        assertThat(HostnameMatcher.mismatch("127.0.0.2", pki.ecServer.cert())).contains("127.0.0.2");
        assertThat(HostnameMatcher.mismatch("localhost", pki.wrongHostServer.cert())).contains("other.example");
        assertThat(HostnameMatcher.mismatch("evil.localhost", pki.ecServer.cert())).isNotNull();
        assertThat(HostnameMatcher.isIpLiteral("::1")).isTrue();
        assertThat(HostnameMatcher.isIpLiteral("10.0.0.1")).isTrue();
        assertThat(HostnameMatcher.isIpLiteral("example.com")).isFalse();
        assertThat(HostnameMatcher.isIpLiteral("1.2.3")).isFalse();
    }

    @Test
    void handshakeMessagesSpanningAndSharingRecords() throws Exception {
        PostHandshakeMessages m = new PostHandshakeMessages();
        byte[] ticket = {4, 0, 0, 3, 'a', 'b', 'c'};
        byte[] keyUpdate = PostHandshakeMessages.keyUpdate(true);
        assertThat(m.add(java.nio.ByteBuffer.wrap(ticket, 0, 2))).isEmpty();
        assertThat(m.hasPartial()).isTrue();
        byte[] rest = new byte[5 + keyUpdate.length];
        System.arraycopy(ticket, 2, rest, 0, 5);
        System.arraycopy(keyUpdate, 0, rest, 5, keyUpdate.length);
        List<PostHandshakeMessages.Message> got = m.add(java.nio.ByteBuffer.wrap(rest));
        assertThat(got).hasSize(2);
        assertThat(got.get(0).type()).isEqualTo(PostHandshakeMessages.NEW_SESSION_TICKET);
        assertThat(got.get(0).body()).containsExactly('a', 'b', 'c');
        assertThat(got.get(1).type()).isEqualTo(PostHandshakeMessages.KEY_UPDATE);
        assertThat(got.get(1).body()).containsExactly(1);
        assertThat(m.hasPartial()).isFalse();
        assertThat(PostHandshakeMessages.keyUpdate(false)).containsExactly(24, 0, 0, 1, 0);
        assertThatThrownBy(() -> new PostHandshakeMessages().add(java.nio.ByteBuffer.wrap(new byte[] {4, 0x7f, 0, 0})))
                .isInstanceOf(PostHandshakeMessages.ProtocolViolationException.class);
    }

    @Test
    void namesAndDefaults() throws Exception {
        assertThat(TlsCipherSuite.of("TLS_AES_256_GCM_SHA384").id()).isEqualTo(0x1302);
        assertThat(TlsCipherSuite.of(0xCCA9)).isEqualTo(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
        assertThatThrownBy(() -> TlsCipherSuite.of("TLS_RSA_WITH_AES_128_CBC_SHA"))
                .hasMessageContaining("kTLS-capable");
        assertThat(TlsGroup.of("secp384r1")).isEqualTo(TlsGroup.P_384);
        assertThat(TlsGroup.of("x25519")).isEqualTo(TlsGroup.X25519);
        KtlsContext ctx = KtlsContext.forClient().environment(java.util.Map.of()).build();
        assertThat(ctx.protocols()).hasSize(2);
        assertThat(ctx.groups()).containsExactly(TlsGroup.X25519_MLKEM768, TlsGroup.X25519, TlsGroup.SECP256R1_MLKEM768,
                TlsGroup.P_256, TlsGroup.P_384);
        assertThat(ctx.keyLogFile()).as("no key log unless asked for").isNull();
        assertThat(ctx.backend().name()).as("the kernel per direction, else software").isEqualTo("auto");
        assertThat(ctx.handshakeTimeout()).isPositive();
        assertThatThrownBy(() -> ctx.newHandshake(java.nio.channels.SocketChannel.open(), null))
                .hasMessageContaining("host name");
        assertThatThrownBy(() -> KtlsContext.forServerWithPskOnly().build()).hasMessageContaining("credentials");
    }

    @Test
    void serverSuitesFollowTheKeyType() throws Exception {
        TestPki pki = TestPki.get();
        KtlsContext rsa = KtlsContext.forServer(pki.rsaServer.loadWith(Credentials::fromPem)).build();
        assertThat(rsa.cipherSuites()).allMatch(s -> s.version() == io.ktls4j.TlsVersion.TLS_1_3
                || s.name().contains("_RSA_"));
        KtlsContext ec = KtlsContext.forServer(pki.ecServer.loadWith(Credentials::fromPem)).protocols("TLSv1.2")
                .build();
        assertThat(ec.cipherSuites()).allMatch(s -> s.name().contains("_ECDSA_")).hasSize(3);
    }
}
