package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.TlsVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS 1.3 session resumption between a ktls4j client and a ktls4j server on one loopback port: tickets sent after
 * the handshake and kept by the client, resumed on the next connection (psk_dhe_ke), and every bad ticket ending
 * in a full handshake.
 */
class ResumptionTest {
    private final Closer closer = new Closer();
    private ServerSocketChannel listener;
    private int port;

    /** A clock tests can move. */
    static final class TestClock extends Clock {
        volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** What each end saw of one connection. */
    record Outcome(boolean serverResumed, boolean clientResumed, long ticketsSent, long ticketsReceived,
            SessionInfo client, SessionInfo server) {}

    @BeforeEach
    void listen() throws Exception {
        listener = closer.add(ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        port = listener.socket().getLocalPort();
    }

    @AfterEach
    void tearDown() {
        closer.closeAll();
    }

    private static KtlsContextBuilder serverBuilder() throws Exception {
        return KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem));
    }

    private static KtlsContextBuilder clientBuilder() throws Exception {
        return KtlsContext.forClient().trustManager(TestPki.get().caPem);
    }

    /** One connection: the server greets, the client reads the greeting (and the tickets before it) and answers. */
    private Outcome connect(KtlsContext server, KtlsContext client) throws Exception {
        CompletableFuture<Object[]> s = CompletableFuture.supplyAsync(() -> {
            try (KtlsConnection c = server.accept(listener.accept())) {
                c.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer b = ByteBuffer.allocate(64);
                while (b.position() < 4 && c.read(b) >= 0) {
                    // the client's "bye\n"
                }
                return new Object[] {c.isResumed(), c.sessionTicketsSent(), c.session()};
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try (KtlsConnection c = client.connect("localhost", port)) {
            ByteBuffer b = ByteBuffer.allocate(64);
            while (b.position() < 6) {
                assertThat(c.read(b)).isNotNegative();
            }
            assertThat(new String(b.array(), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("hello\n");
            c.write(ByteBuffer.wrap("bye\n".getBytes(StandardCharsets.US_ASCII)));
            Object[] r = s.get(30, TimeUnit.SECONDS);
            return new Outcome((Boolean) r[0], c.isResumed(), (Long) r[1], c.sessionTicketsReceived(),
                    c.session(), (SessionInfo) r[2]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsCipherSuite.class, names = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256"})
    void theSecondConnectionResumesWithATicketFromTheFirst(TlsCipherSuite suite) throws Exception {
        KtlsContext server = serverBuilder().cipherSuites(suite).build();
        KtlsContext client = clientBuilder().cipherSuites(suite).build();
        Outcome first = connect(server, client);
        assertThat(first.serverResumed()).isFalse();
        assertThat(first.clientResumed()).isFalse();
        assertThat(first.ticketsSent()).isEqualTo(2);
        assertThat(first.ticketsReceived()).isEqualTo(2);
        assertThat(client.sessionCache().size()).isEqualTo(2);

        Outcome second = connect(server, client);
        assertThat(second.serverResumed()).isTrue();
        assertThat(second.clientResumed()).isTrue();
        assertThat(second.client().cipherSuite()).isEqualTo(suite);
        assertThat(second.server().localCertificates()).as("no certificate on resumption").isEmpty();
        assertThat(second.client().peerCertificates()).as("the resumed session's server")
                .isEqualTo(first.client().peerCertificates());
        assertThat(second.client().group()).as("psk_dhe_ke: a fresh key exchange").isNotNull();
        assertThat(second.ticketsSent()).as("one new ticket after a resumption").isEqualTo(1);
        assertThat(client.sessionCache().size()).as("one used, one left, one new").isEqualTo(2);

        Outcome third = connect(server, client);
        assertThat(third.serverResumed() && third.clientResumed()).as("a ticket from a resumed session").isTrue();
    }

    @Test
    void aForgedTicketEndsInAFullHandshake() throws Exception {
        assertBadTicketGivesFullHandshake(t -> {
            byte[] forged = t.ticket().clone();
            forged[forged.length / 2] ^= 1;
            return forged;
        });
    }

    @Test
    void aTruncatedTicketEndsInAFullHandshake() throws Exception {
        assertBadTicketGivesFullHandshake(t -> java.util.Arrays.copyOf(t.ticket(), t.ticket().length - 7));
    }

    @Test
    void aOneByteTicketEndsInAFullHandshake() throws Exception {
        assertBadTicketGivesFullHandshake(t -> new byte[] {1});
    }

    private void assertBadTicketGivesFullHandshake(java.util.function.Function<SessionCache.Ticket, byte[]> mangle)
            throws Exception {
        assertBadTicketGivesFullHandshake((server, t) -> mangle.apply(t));
    }

    /** {@code mangle} makes the ticket offered from a genuine one of {@code server}'s. */
    private void assertBadTicketGivesFullHandshake(
            java.util.function.BiFunction<KtlsContext, SessionCache.Ticket, byte[]> mangle) throws Exception {
        KtlsContext server = serverBuilder().build();
        KtlsContext client = clientBuilder().build();
        connect(server, client);
        String key = SessionCache.key("localhost", port);
        SessionCache cache = client.sessionCache();
        cache.clear();
        connect(server, client);
        SessionCache.Ticket t = cache.take(key);
        cache.clear();
        cache.add(key, new SessionCache.Ticket(mangle.apply(server, t), t.psk().clone(), t.suite(), t.receivedMillis(),
                t.lifetimeSeconds(), t.ageAdd(), t.peerCertificates()));
        Outcome o = connect(server, client);
        assertThat(o.serverResumed()).isFalse();
        assertThat(o.clientResumed()).isFalse();
        assertThat(o.client().peerCertificates()).as("a full handshake: the server authenticated").isNotEmpty();
        assertThat(o.ticketsSent()).isEqualTo(2);
    }

    /**
     * A TLS 1.2 ticket (RFC 5077) that this server issued, offered as a TLS 1.3 PSK identity: its secret is a master
     * secret, never a resumption PSK, so a full handshake follows even when its bytes and hash would make the binder
     * valid (here they are the client's real PSK and SHA-256).
     */
    @Test
    void aTls12TicketOfferedInATls13HelloEndsInAFullHandshake() throws Exception {
        assertBadTicketGivesFullHandshake((server, t) -> server.tickets().seal(new SessionTickets.Contents(
                server.tickets().nowMillis(), 3600, 0, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                t.psk().clone(), "localhost", null, true)));
    }

    @Test
    void anExpiredTicketEndsInAFullHandshake() throws Exception {
        TestClock serverClock = new TestClock();
        KtlsContext server = serverBuilder().sessionTickets(2, Duration.ofMinutes(10)).clock(serverClock).build();
        KtlsContext client = clientBuilder().build(); // the client's own clock does not expire it
        connect(server, client);
        serverClock.now = serverClock.now.plus(Duration.ofMinutes(10));
        Outcome o = connect(server, client);
        assertThat(o.serverResumed()).isFalse();
        assertThat(o.clientResumed()).isFalse();
        serverClock.now = serverClock.now.plus(Duration.ofMinutes(9));
        assertThat(connect(server, client).serverResumed()).as("a ticket from the last connection, 9 min old")
                .isTrue();
        serverClock.now = serverClock.now.plus(Duration.ofMinutes(25));
        assertThat(connect(server, client).serverResumed()).as("the key that sealed it was dropped").isFalse();
    }

    @Test
    void theClientDoesNotOfferATicketPastItsLifetime() throws Exception {
        TestClock clientClock = new TestClock();
        KtlsContext server = serverBuilder().sessionTickets(1, Duration.ofSeconds(60)).build();
        KtlsContext client = clientBuilder().clock(clientClock).build();
        connect(server, client);
        clientClock.now = clientClock.now.plus(Duration.ofSeconds(61));
        assertThat(connect(server, client).clientResumed()).isFalse();
        assertThat(client.sessionCache().size()).as("the expired ticket went, the new one is kept").isEqualTo(1);
    }

    @Test
    void aTicketFromAnotherServerKeyIsRefused() throws Exception {
        KtlsContext serverA = serverBuilder().build();
        KtlsContext serverB = serverBuilder().build(); // same certificate, its own ticket keys
        KtlsContext client = clientBuilder().build();
        connect(serverA, client);
        Outcome o = connect(serverB, client);
        assertThat(o.serverResumed()).isFalse();
        assertThat(o.clientResumed()).isFalse();
        assertThat(connect(serverB, client).serverResumed()).as("B's own ticket").isTrue();
    }

    /**
     * Tickets are stateless: offering one again resumes again (as with OpenSSL and nginx, which also keep no
     * per-ticket state without 0-RTT); our client offers each ticket once.
     */
    @Test
    void aTicketOfferedTwiceResumesBothTimesAndOurClientOffersEachOnce() throws Exception {
        KtlsContext server = serverBuilder().sessionTickets(1, Duration.ofHours(1)).build();
        KtlsContext client = clientBuilder().build();
        connect(server, client);
        String key = SessionCache.key("localhost", port);
        SessionCache.Ticket t = client.sessionCache().take(key);
        SessionCache.Ticket copy = new SessionCache.Ticket(t.ticket(), t.psk().clone(), t.suite(), t.receivedMillis(),
                t.lifetimeSeconds(), t.ageAdd(), t.peerCertificates());
        client.sessionCache().add(key, t);
        assertThat(connect(server, client).serverResumed()).isTrue();
        client.sessionCache().clear();
        client.sessionCache().add(key, copy);
        assertThat(connect(server, client).serverResumed()).isTrue();
    }

    @Test
    void aWrongPskWithAGenuineTicketIsADecryptErrorAsRfc8446Requires() throws Exception {
        KtlsContext server = serverBuilder().build();
        KtlsContext client = clientBuilder().build();
        connect(server, client);
        String key = SessionCache.key("localhost", port);
        SessionCache.Ticket t = client.sessionCache().take(key);
        client.sessionCache().clear();
        byte[] psk = t.psk().clone();
        psk[0] ^= 1;
        client.sessionCache().add(key, new SessionCache.Ticket(t.ticket(), psk, t.suite(), t.receivedMillis(),
                t.lifetimeSeconds(), t.ageAdd(), t.peerCertificates()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connect(server, client))
                .hasMessageContaining("decrypt_error");
    }

    @Test
    void noTicketsWhenResumptionIsOff() throws Exception {
        KtlsContext server = serverBuilder().sessionResumption(false).build();
        KtlsContext client = clientBuilder().build();
        assertThat(server.issuesSessionTickets()).isFalse();
        assertThat(connect(server, client).ticketsSent()).isZero();
        KtlsContext noCache = clientBuilder().sessionResumption(false).build();
        assertThat(noCache.sessionCache()).isNull();
        KtlsContext ticketing = serverBuilder().build();
        Outcome o = connect(ticketing, noCache);
        assertThat(o.ticketsReceived()).as("a client naming no PSK mode gets no ticket (RFC 8446 §4.2.9)").isZero();
        assertThat(connect(ticketing, noCache).clientResumed()).isFalse();
    }

    /**
     * TLS 1.2 by session ID: the server keeps the session under the ID it gave (our client sends no SessionTicket
     * extension, so it gets no RFC 5077 ticket), the client keeps it under the server's name and port and offers
     * the ID next time; a session ID may be resumed again, so a resumed session goes back into the cache.
     */
    @Test
    void tls12TheClientResumesBySessionIdAndAgain() throws Exception {
        KtlsContext server = serverBuilder().protocols(TlsVersion.TLS_1_2).build();
        KtlsContext client = clientBuilder().build();
        Outcome first = connect(server, client);
        assertThat(first.client().version()).isEqualTo(TlsVersion.TLS_1_2);
        assertThat(first.clientResumed()).isFalse();
        assertThat(first.ticketsSent()).as("no RFC 5077 ticket: the client did not ask").isZero();
        assertThat(client.sessionCache().size()).isEqualTo(1);

        Outcome second = connect(server, client);
        assertThat(second.serverResumed()).isTrue();
        assertThat(second.clientResumed()).isTrue();
        assertThat(second.client().cipherSuite()).isEqualTo(first.client().cipherSuite());
        assertThat(second.client().peerCertificates()).as("the resumed session's server")
                .isEqualTo(first.client().peerCertificates());
        assertThat(second.server().localCertificates()).as("no certificate on resumption").isEmpty();
        assertThat(client.sessionCache().size()).as("the session went back").isEqualTo(1);

        Outcome third = connect(server, client);
        assertThat(third.serverResumed() && third.clientResumed()).as("the same session ID once more").isTrue();
    }

    @Test
    void tls12ASessionTheServerDoesNotKnowEndsInAFullHandshake() throws Exception {
        KtlsContext serverA = serverBuilder().protocols(TlsVersion.TLS_1_2).build();
        KtlsContext serverB = serverBuilder().protocols(TlsVersion.TLS_1_2).build(); // its own session cache
        KtlsContext client = clientBuilder().build();
        connect(serverA, client);
        Outcome o = connect(serverB, client);
        assertThat(o.serverResumed()).isFalse();
        assertThat(o.clientResumed()).isFalse();
        assertThat(client.sessionCache().size()).as("B's session replaced nothing: A's was taken").isEqualTo(1);
        assertThat(connect(serverB, client).clientResumed()).as("B's own session").isTrue();
    }

    @Test
    void tls12AServerThatKeepsNoSessionsGivesTheClientNothingToKeep() throws Exception {
        KtlsContext server = serverBuilder().protocols(TlsVersion.TLS_1_2).sessionResumption(false).build();
        KtlsContext client = clientBuilder().build();
        assertThat(connect(server, client).clientResumed()).isFalse();
        assertThat(client.sessionCache().size()).as("no session ID from the server").isZero();
        assertThat(connect(server, client).clientResumed()).isFalse();
    }

    /** The server's Finished comes first, under keys from its master secret: ours cannot open it. */
    @Test
    void tls12AWrongMasterSecretUnderAGenuineIdFailsOnTheServersFinished() throws Exception {
        KtlsContext server = serverBuilder().protocols(TlsVersion.TLS_1_2).build();
        KtlsContext client = clientBuilder().build();
        connect(server, client);
        String key = SessionCache.key("localhost", port);
        SessionCache.Ticket t = client.sessionCache().take(key);
        byte[] wrong = t.psk().clone();
        wrong[0] ^= 1;
        client.sessionCache().add(key, SessionCache.Ticket.tls12(t.sessionId(), wrong, t.suite(), t.receivedMillis(),
                t.extendedMasterSecret(), t.peerCertificates()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connect(server, client))
                .hasMessageContaining("bad_record_mac");
    }

    @Test
    void tls12ASessionAClientNoLongerAllowsIsNotOffered() throws Exception {
        KtlsContext server = serverBuilder().protocols(TlsVersion.TLS_1_2).build();
        KtlsContext client = clientBuilder().build();
        connect(server, client);
        KtlsContext otherSuites = clientBuilder()
                .cipherSuites(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256).build();
        String key = SessionCache.key("localhost", port);
        otherSuites.sessionCache().add(key, client.sessionCache().take(key));
        Outcome o = connect(server, otherSuites);
        assertThat(o.clientResumed()).isFalse();
        assertThat(o.client().cipherSuite()).isEqualTo(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
    }

    @Test
    void aServerWithClientAuthenticationIssuesNoTickets() throws Exception {
        KtlsContext server = serverBuilder().clientAuth(ClientAuth.REQUIRE).trustManager(TestPki.get().caPem).build();
        assertThat(server.issuesSessionTickets()).isFalse();
    }

    @Test
    void sessionsSurviveTheProcessInASessionFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        KtlsContext server = serverBuilder().build();
        KtlsContext first = clientBuilder().build();
        connect(server, first);
        Path file = dir.resolve("sessions");
        first.sessionCache().save(file);
        assertThat(Files.getPosixFilePermissions(file)).as("the file holds PSKs")
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        KtlsContext second = clientBuilder().build();
        second.sessionCache().load(file);
        assertThat(second.sessionCache().size()).isEqualTo(2);
        Outcome o = connect(server, second);
        assertThat(o.clientResumed()).isTrue();
        assertThat(o.client().peerCertificates()).isNotEmpty();

        Files.write(file, new byte[] {1, 2, 3});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> second.sessionCache().load(file))
                .hasMessageContaining("not a ktls4j session file");
        second.sessionCache().load(dir.resolve("missing")); // nothing to add
    }

    @Test
    void aTls12SessionSurvivesTheProcessInASessionFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        KtlsContext server = serverBuilder().protocols(TlsVersion.TLS_1_2).build();
        KtlsContext first = clientBuilder().build();
        Outcome full = connect(server, first);
        Path file = dir.resolve("sessions");
        first.sessionCache().save(file);
        KtlsContext second = clientBuilder().build();
        second.sessionCache().load(file);
        Outcome o = connect(server, second);
        assertThat(o.clientResumed() && o.serverResumed()).isTrue();
        assertThat(o.client().peerCertificates()).isNotEmpty().isEqualTo(full.client().peerCertificates());
    }

    /** Files written before TLS 1.2 sessions were kept (format 1: TLS 1.3 tickets, no session ID) still load. */
    @Test
    void aFormatOneSessionFileStillLoads(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        KtlsContext server = serverBuilder().build();
        KtlsContext first = clientBuilder().build();
        connect(server, first);
        SessionCache.Ticket t = first.sessionCache().take(SessionCache.key("localhost", port));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(0x6b746c73);
            out.writeInt(1);
            out.writeInt(1);
            out.writeUTF(SessionCache.key("localhost", port));
            out.writeShort(t.suite().id());
            out.writeLong(t.receivedMillis());
            out.writeLong(t.lifetimeSeconds());
            out.writeLong(t.ageAdd());
            out.writeInt(t.ticket().length);
            out.write(t.ticket());
            out.writeInt(t.psk().length);
            out.write(t.psk());
            out.writeInt(0);
        }
        Path file = Files.write(dir.resolve("v1"), bytes.toByteArray());
        KtlsContext second = clientBuilder().build();
        second.sessionCache().load(file);
        assertThat(connect(server, second).clientResumed()).isTrue();
    }

    @Test
    void ticketKeysAndPsksStayOutOfToString() throws Exception {
        KtlsContext server = serverBuilder().build();
        KtlsContext client = clientBuilder().build();
        connect(server, client);
        SessionTickets tickets = server.tickets();
        java.lang.reflect.Field f = SessionTickets.class.getDeclaredField("current");
        f.setAccessible(true);
        Object key = f.get(tickets);
        java.lang.reflect.Method m = key.getClass().getDeclaredMethod("key");
        m.setAccessible(true);
        byte[] raw = ((javax.crypto.SecretKey) m.invoke(key)).getEncoded();
        SessionCache.Ticket t = client.sessionCache().take(SessionCache.key("localhost", port));
        for (String shown : new String[] {tickets.toString(), key.toString(), server.toString(),
            client.sessionCache().toString(), t.toString()}) {
            assertThat(shown).doesNotContainIgnoringCase(HexFormat.of().formatHex(raw))
                    .doesNotContainIgnoringCase(HexFormat.of().formatHex(t.psk()))
                    .doesNotContain(java.util.Base64.getEncoder().encodeToString(raw));
        }
    }
}
