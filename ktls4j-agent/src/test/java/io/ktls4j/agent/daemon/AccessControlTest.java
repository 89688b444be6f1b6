package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.agent.AgentException;
import io.ktls4j.agent.AgentFixture;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.EchoPeer;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.JsseEcho;
import io.ktls4j.agent.Lines;
import io.ktls4j.agent.ProcessHandleIds;
import io.ktls4j.agent.SocketState;
import io.ktls4j.agent.TestFds;
import io.ktls4j.handshake.KtlsConnection;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SO_PEERCRED against each credential's allow list: by uid, by group, by "*", and the default (the agent's own uid);
 * a denied request leaves the socket as it was sent, and every decision is logged with pid, uid and the rule.
 */
class AccessControlTest {
    private static final int OTHER_UID = 4242424;
    private static AgentFixture fixture;
    private static int uid;
    private static int gid;

    @BeforeAll
    static void agent() throws Exception {
        uid = (int) ProcessHandleIds.uid();
        gid = (int) ProcessHandleIds.gid();
        fixture = AgentFixture.withConfig("""
                [credential by-uid]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-uid = %d
                allow-software-return = true
                [credential by-gid]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-uid = %d
                allow-gid = %d
                allow-software-return = true
                [credential someone-else]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-uid = %d
                allow-gid = %d
                [credential anyone]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-uid = *
                allow-software-return = true
                [credential default]
                certificate = $CERT
                key = $KEY
                trust = $CERT
                allow-software-return = true
                """.formatted(uid, OTHER_UID, gid, OTHER_UID, OTHER_UID));
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    @Test
    void theSocketFileIsOnlyForItsOwner() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixture.socket()))).isEqualTo("rw-------");
    }

    @Test
    void aUidOnTheListIsAllowed() throws Exception {
        assertAllowed("by-uid", "allowed: uid " + uid + " in allow-uid");
    }

    @Test
    void aGroupOnTheListIsAllowed() throws Exception {
        assertAllowed("by-gid", "allowed: gid " + gid + " in allow-gid");
    }

    @Test
    void starAllowsAnyone() throws Exception {
        assertAllowed("anyone", "allowed: * (anyone who can connect)");
    }

    @Test
    void withoutAllowListsOnlyTheAgentsUidIsAllowed() throws Exception {
        assertAllowed("default", "allowed: uid " + uid + " in allow-uid");
    }

    @Test
    void aProcessOffTheListIsDeniedAndItsSocketIsUntouched() throws Exception {
        int before = TestFds.openCount();
        try (EchoPeer peer = new EchoPeer(); SocketChannel ch = SocketChannel.open(peer.address())) {
            assertThatThrownBy(() -> fixture.agent().handshake(ch,
                    HandshakeRequest.client("localhost").credential("someone-else").build()))
                    .isInstanceOfSatisfying(AgentException.class, e -> {
                        assertThat(e.status()).isEqualTo(AgentStatus.DENIED);
                        assertThat(e.socketState()).isEqualTo(SocketState.UNTOUCHED);
                    })
                    .hasMessageContaining("uid " + uid + " may not use credential someone-else");
            // untouched: still a plain TCP connection to the same peer, nothing sent or read by the agent
            assertThat(ch.isOpen()).isTrue();
            ch.write(ByteBuffer.wrap("plain\n".getBytes()));
            assertThat(peer.readLine()).isEqualTo("plain");
            assertThat(peer.bytesBeforeFirstLine()).isZero();
        }
        String line = fixture.awaitLog("credential someone-else: denied", 2000);
        assertThat(line).contains("uid " + uid + " gid " + gid).contains("not in allow-uid [" + OTHER_UID + "]");
        assertThat(fixture.log).anyMatch(l -> l.contains("pid=" + ProcessHandle.current().pid() + " uid=" + uid)
                && l.contains("credential=someone-else"));
        assertThat(TestFds.awaitOpenCount(before)).isEqualTo(before);
    }

    @Test
    void anUnknownCredentialIsNamed() throws Exception {
        try (EchoPeer peer = new EchoPeer(); SocketChannel ch = SocketChannel.open(peer.address())) {
            assertThatThrownBy(() -> fixture.agent().handshake(ch,
                    HandshakeRequest.client("localhost").credential("nope").build()))
                    .isInstanceOfSatisfying(AgentException.class,
                            e -> assertThat(e.status()).isEqualTo(AgentStatus.UNKNOWN_CREDENTIAL))
                    .hasMessageContaining("no credential named nope");
            assertThat(ch.isOpen()).isTrue();
        }
    }

    private static void assertAllowed(String credential, String logged) throws Exception {
        try (JsseEcho peer = new JsseEcho("TLSv1.3"); SocketChannel ch = SocketChannel.open(peer.address())) {
            try (KtlsConnection c = fixture.agent().handshake(ch,
                    HandshakeRequest.client("localhost").credential(credential).build())) {
                Lines.send(c, "allowed");
                assertThat(Lines.receive(c)).isEqualTo("ALLOWED");
            }
        }
        fixture.awaitLog("credential " + credential + ": " + logged, 2000);
    }
}
