package io.ktls4j.agent.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.TlsVersion;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Auth;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.SocketState;
import io.ktls4j.agent.TestPki;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The frame format of docs/AGENT.md: exact bytes, round trips, and every way a frame can be malformed. */
class WireTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ").withUpperCase();

    @Test
    void theDocumentedExampleRequestHasExactlyTheseBytes() {
        byte[] frame = HandshakeRequestFrame.encode(HandshakeRequest.client("example.com").alpn("h2")
                .timeout(Duration.ofMillis(5000)).build());
        assertThat(HEX.formatHex(frame)).isEqualTo("6B 41 01 01 00 00 00 31"
                + " 00 01 00 00 00 01 01"
                + " 00 02 00 00 00 0B 65 78 61 6D 70 6C 65 2E 63 6F 6D"
                + " 00 03 00 00 00 02 68 32"
                + " 00 04 00 00 00 01 01"
                + " 00 06 00 00 00 04 00 00 13 88");
    }

    @Test
    void requestsSurviveARoundTrip() throws Exception {
        HandshakeRequest[] requests = {
            HandshakeRequest.client("example.com").alpn("h2", "http/1.1").credential("web").timeout(Duration.ofSeconds(3)).build(),
            HandshakeRequest.server().build(),
            HandshakeRequest.server().auth(Auth.PSK).alpn("nvme").build(),
            HandshakeRequest.client("10.0.0.1").auth(Auth.ANON).build(),
            HandshakeRequest.client(null).auth(Auth.PSK).build(),
        };
        for (HandshakeRequest r : requests) {
            assertThat(decodeRequest(HandshakeRequestFrame.encode(r))).isEqualTo(r);
        }
    }

    @Test
    void repliesSurviveARoundTripWithKeysAndCertificates() throws Exception {
        CryptoInfo rx = CryptoInfo.of(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, bytes(16, 1), bytes(8, 2),
                bytes(4, 3), CryptoInfo.seqBytes(7));
        Map<Direction, Placement> placements = new EnumMap<>(Map.of(Direction.TX, Placement.KERNEL,
                Direction.RX, Placement.SOFTWARE));
        HandshakeReply.Session session = new HandshakeReply.Session(TlsVersion.TLS_1_3, 0x1301, "h2", "localhost",
                List.of(TestPki.get().cert.getEncoded()), null, List.of(), true, 0x11EC);
        HandshakeReply reply = HandshakeReply.success(session, placements, Map.of(Direction.RX, rx.copy()));
        byte[] frame = reply.encode();
        HandshakeReply back = HandshakeReply.decode(Wire.fields(Arrays.copyOfRange(frame, Wire.HEADER, frame.length)));
        assertThat(back.status()).isEqualTo(AgentStatus.OK);
        assertThat(back.socketState()).isEqualTo(SocketState.ESTABLISHED);
        assertThat(back.placement(Direction.TX)).isEqualTo(Placement.KERNEL);
        assertThat(back.placement(Direction.RX)).isEqualTo(Placement.SOFTWARE);
        assertThat(back.returnedKeys(Direction.TX)).isNull();
        assertThat(back.returnedKeys(Direction.RX).sameAs(rx)).isTrue();
        assertThat(back.session().alpn()).isEqualTo("h2");
        assertThat(back.session().serverName()).isEqualTo("localhost");
        assertThat(back.session().cipherSuite()).isEqualTo(0x1301);
        assertThat(back.session().peerCertificates().get(0)).isEqualTo(TestPki.get().cert.getEncoded());
        assertThat(back.session().resumed()).isTrue();
        assertThat(back.session().group()).as("X25519MLKEM768").isEqualTo(0x11EC);
        assertThat(back.toString()).doesNotContain(HEX.formatHex(bytes(16, 1)).replace(" ", ""));
        back.destroy();
        reply.destroy();
        assertThat(back.returnedKeys(Direction.RX).isZeroed()).isTrue();
        assertThat(reply.isDestroyed()).isTrue();
    }

    /**
     * RESUMED and GROUP are optional tags: a full handshake's reply carries no RESUMED, a reply without GROUP decodes
     * to -1, and a receiver that does not know a tag from 0x8000 up skips it (so version-2 consumers built before
     * these tags still read the reply).
     */
    @Test
    void resumedAndGroupAreOptionalTags() throws Exception {
        Map<Direction, Placement> kernel = new EnumMap<>(Map.of(Direction.TX, Placement.KERNEL, Direction.RX,
                Placement.KERNEL));
        byte[] frame = HandshakeReply.success(new HandshakeReply.Session(TlsVersion.TLS_1_3, 0x1301, null, null,
                List.of(), null, List.of(), false, -1), kernel, Map.of()).encode();
        HandshakeReply back = HandshakeReply.decode(Wire.fields(Arrays.copyOfRange(frame, Wire.HEADER, frame.length)));
        assertThat(back.session().resumed()).isFalse();
        assertThat(back.session().group()).isEqualTo(-1);
        assertThat(Wire.fields(Arrays.copyOfRange(frame, Wire.HEADER, frame.length)))
                .noneMatch(f -> f.tag() >= Wire.OPTIONAL_TAGS);

        byte[] resumed = HandshakeReply.success(new HandshakeReply.Session(TlsVersion.TLS_1_3, 0x1301, null, null,
                List.of(), null, List.of(), true, 0x001D), kernel, Map.of()).encode();
        List<Wire.Field> fields = Wire.fields(Arrays.copyOfRange(resumed, Wire.HEADER, resumed.length));
        assertThat(fields).filteredOn(f -> f.tag() >= Wire.OPTIONAL_TAGS).hasSize(2);
        assertThatCode(() -> Wire.unknown(fields.stream().filter(f -> f.tag() >= Wire.OPTIONAL_TAGS).findFirst()
                .orElseThrow())).as("an older receiver skips them").doesNotThrowAnyException();
    }

    /**
     * SESSION_TICKETS (0x8004): a server's NewSessionTickets for the consumer to send first when TX comes back to it.
     * They survive a round trip; they come only with a returned TX on TLS 1.3, as whole NewSessionTicket messages.
     */
    @Test
    void sessionTicketsComeOnlyWithAReturnedTxAsWholeTicketMessages() throws Exception {
        byte[] tickets = hex("04 00 00 0e 00 00 1c 20 01 02 03 04 00 00 01 aa 00 00"
                + " 04 00 00 0e 00 00 1c 20 05 06 07 08 00 00 01 bb 00 00");
        CryptoInfo tx = CryptoInfo.of(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, bytes(16, 1), bytes(8, 2),
                bytes(4, 3), CryptoInfo.seqBytes(0));
        HandshakeReply.Session session = new HandshakeReply.Session(TlsVersion.TLS_1_3, 0x1301, null, null,
                List.of(), null, List.of(), false, 0x001D);
        Map<Direction, Placement> returnedTx = new EnumMap<>(Map.of(Direction.TX, Placement.SOFTWARE,
                Direction.RX, Placement.KERNEL));
        HandshakeReply reply = HandshakeReply.success(session, returnedTx, Map.of(Direction.TX, tx.copy()))
                .withSessionTickets(tickets);
        byte[] frame = reply.encode();
        HandshakeReply back = HandshakeReply.decode(Wire.fields(Arrays.copyOfRange(frame, Wire.HEADER, frame.length)));
        assertThat(back.sessionTickets()).isEqualTo(tickets);
        assertThat(back.toString()).contains("session tickets to send");
        back.destroy();

        Map<Direction, Placement> kernel = new EnumMap<>(Map.of(Direction.TX, Placement.KERNEL, Direction.RX,
                Placement.KERNEL));
        HandshakeReply inKernel = HandshakeReply.success(session, kernel, Map.of());
        assertThatThrownBy(() -> inKernel.withSessionTickets(tickets)).as("the agent sent them itself")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> reply.withSessionTickets(Arrays.copyOf(tickets, tickets.length - 1)))
                .as("a truncated message").isInstanceOf(IllegalArgumentException.class);
        // the same field on a reply whose TX is in the kernel, as a malicious or broken agent would send it
        byte[] kernelFrame = inKernel.encode();
        byte[] field = hex("80 04 00 00 00 " + String.format("%02x ", tickets.length) + HEX.formatHex(tickets));
        byte[] body = concat(Arrays.copyOfRange(kernelFrame, Wire.HEADER, kernelFrame.length), field);
        assertThatThrownBy(() -> HandshakeReply.decode(Wire.fields(body)))
                .hasMessageContaining("SESSION_TICKETS come only on a TLS 1.3 reply that returns TX");
        byte[] notTickets = hex("80 04 00 00 00 04 18 00 00 00");
        HandshakeReply plain = HandshakeReply.success(session, returnedTx, Map.of(Direction.TX, tx.copy()));
        byte[] frame2 = plain.encode();
        plain.destroy();
        byte[] body2 = concat(Arrays.copyOfRange(frame2, Wire.HEADER, frame2.length), notTickets);
        assertThatThrownBy(() -> HandshakeReply.decode(Wire.fields(body2)))
                .hasMessageContaining("whole NewSessionTicket messages");
        reply.destroy();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aFailureReplySaysWhetherTheSocketWasTouched() throws Exception {
        for (AgentStatus s : AgentStatus.values()) {
            if (s == AgentStatus.OK) {
                continue;
            }
            byte[] frame = HandshakeReply.failure(s, "why").encode();
            HandshakeReply back = HandshakeReply.decode(Wire.fields(Arrays.copyOfRange(frame, 8, frame.length)));
            assertThat(back.status()).isEqualTo(s);
            assertThat(back.message()).isEqualTo("why");
            assertThat(back.socketState()).isEqualTo(s.code() < 20 ? SocketState.UNTOUCHED : SocketState.UNUSABLE);
        }
    }

    @Test
    void headersWithAnotherMagicVersionOrSizeAreRefused() {
        assertThatThrownBy(() -> Wire.header(hex("6B 42 01 01 00 00 00 00"), 100))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.status()).isEqualTo(AgentStatus.BAD_REQUEST))
                .hasMessageContaining("magic");
        assertThatThrownBy(() -> Wire.header(hex("6B 41 03 01 00 00 00 00"), 100))
                .isInstanceOfSatisfying(WireException.class,
                        e -> assertThat(e.status()).isEqualTo(AgentStatus.VERSION_UNSUPPORTED))
                .hasMessageContaining("version 3");
        assertThatThrownBy(() -> Wire.header(hex("6B 41 01 01 00 01 00 01"), Wire.MAX_REQUEST_BODY))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.status()).isEqualTo(AgentStatus.BAD_REQUEST))
                .hasMessageContaining("65537");
        assertThatThrownBy(() -> Wire.header(hex("6B 41 01 01 FF FF FF FF"), Wire.MAX_REQUEST_BODY))
                .hasMessageContaining("4294967295");
    }

    @Test
    void fieldsMustAddUpToTheBody() {
        assertThatThrownBy(() -> Wire.fields(hex("00 01 00 00"))).hasMessageContaining("cut off");
        assertThatThrownBy(() -> Wire.fields(hex("00 01 00 00 00 02 01"))).hasMessageContaining("claims 2 bytes but 1 remain");
        assertThatThrownBy(() -> Wire.fields(hex("00 01 FF FF FF FF 01"))).hasMessageContaining("claims 4294967295");
    }

    @Test
    void malformedRequestsNameTheirProblem() {
        assertRequestRefused("00 04 00 00 00 01 01", "SIDE (0x01) is missing");
        assertRequestRefused("00 01 00 00 00 01 02", "AUTH (0x04) is missing");
        assertRequestRefused("00 01 00 00 00 01 03 00 04 00 00 00 01 01", "SIDE must be 1 (client) or 2 (server), got 3");
        assertRequestRefused("00 01 00 00 00 02 00 02 00 04 00 00 00 01 01", "field 0x0001 must be 1 byte, got 2");
        assertRequestRefused("00 01 00 00 00 01 02 00 01 00 00 00 01 02 00 04 00 00 00 01 01", "appears twice");
        assertRequestRefused("00 01 00 00 00 01 02 00 04 00 00 00 01 09", "AUTH must be");
        assertRequestRefused("00 01 00 00 00 01 01 00 04 00 00 00 01 01", "needs PEER_NAME");
        assertRequestRefused("00 01 00 00 00 01 02 00 04 00 00 00 01 01 00 06 00 00 00 04 00 00 00 00",
                "TIMEOUT_MS must be 1..300000, got 0");
        assertRequestRefused("00 01 00 00 00 01 02 00 04 00 00 00 01 01 00 05 00 00 00 02 C3 28", "not UTF-8");
        assertRequestRefused("00 01 00 00 00 01 02 00 04 00 00 00 01 01 00 05 00 00 00 00", "has 0 bytes");
        assertRequestRefused("00 01 00 00 00 01 02 00 04 00 00 00 01 01 00 05 00 00 00 03 61 0A 62",
                "contains control characters"); // "a\nb": no forged log lines
        assertRequestRefused("00 01 00 00 00 01 02 00 04 00 00 00 01 01 00 07 00 00 00 00", "unknown field 0x0007");
    }

    @Test
    void unknownOptionalFieldsAreSkipped() throws Exception {
        HandshakeRequest r = HandshakeRequestFrame.decode(Wire.fields(
                hex("00 01 00 00 00 01 02 80 01 00 00 00 03 AA BB CC 00 04 00 00 00 01 01")));
        assertThat(r.side()).isEqualTo(Side.SERVER);
        assertThat(r.auth()).isEqualTo(Auth.X509);
    }

    @Test
    void malformedRepliesAreRefusedAndDropTheirKeys() throws Exception {
        CryptoInfo keys = CryptoInfo.of(TlsVersion.TLS_1_2, CipherType.AES_GCM_128, bytes(16, 9), bytes(8, 8),
                bytes(4, 7), CryptoInfo.seqBytes(0));
        byte[] struct = keys.toBytes();
        // software placement for TX but the keys are TLS 1.2 while the session is TLS 1.3
        ByteBuffer body = ByteBuffer.allocate(200);
        body.put(hex("00 01 00 00 00 02 00 00 00 03 00 00 00 02 03 04 00 04 00 00 00 02 13 01"
                + " 00 0A 00 00 00 01 02 00 0B 00 00 00 01 01 00 0C 00 00 00"));
        body.put((byte) struct.length).put(struct).flip();
        byte[] b = Arrays.copyOf(body.array(), body.limit());
        assertThatThrownBy(() -> HandshakeReply.decode(Wire.fields(b))).hasMessageContaining("session is TLSv1.3");
        // a kernel placement must not carry keys; an OK reply needs both placements
        assertThatThrownBy(() -> HandshakeReply.decode(Wire.fields(hex(
                "00 01 00 00 00 02 00 00 00 03 00 00 00 02 03 04 00 04 00 00 00 02 13 01 00 0A 00 00 00 01 01"))))
                .hasMessageContaining("placement of TLS_RX");
        assertThatThrownBy(() -> HandshakeReply.decode(Wire.fields(hex("00 01 00 00 00 02 00 06 00 0C 00 00 00 01 00"))))
                .hasMessageContaining("crypto_info");
    }

    /**
     * A reply refused at a field before its key fields leaves no key in them (found by WireFuzzTest: only the key
     * fields parsed before the refusal were zeroed, and the fields are copies that the caller's zeroing of the body
     * does not reach).
     */
    @Test
    void aRefusedReplyZeroesTheKeyFieldsItDidNotReach() throws Exception {
        byte[] struct = CryptoInfo.of(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, bytes(16, 9), bytes(8, 8),
                bytes(4, 7), CryptoInfo.seqBytes(0)).toBytes();
        ByteBuffer body = ByteBuffer.allocate(100);
        // an unknown required tag (0x007f) first, then RX_CRYPTO_INFO and TX_CRYPTO_INFO
        body.put(hex("00 7F 00 00 00 00")).putShort((short) 0x0D).putInt(struct.length).put(struct)
                .putShort((short) 0x0C).putInt(struct.length).put(struct).flip();
        byte[] b = Arrays.copyOf(body.array(), body.limit());
        List<Wire.Field> forHandshake = Wire.fields(b);
        assertThatThrownBy(() -> HandshakeReply.decode(forHandshake)).isInstanceOf(WireException.class);
        List<Wire.Field> forSession = Wire.fields(b);
        assertThatThrownBy(() -> SessionReply.decode(forSession)).isInstanceOf(WireException.class);
        for (List<Wire.Field> fields : List.of(forHandshake, forSession)) {
            assertThat(fields.subList(1, 3)).allSatisfy(f -> assertThat(f.value()).containsOnly(0));
        }
    }

    /**
     * An OK reply says its socket is established (docs/AGENT.md): one that says untouched or unusable is malformed
     * (found by WireFuzzTest: it decoded, and the consumer took over a session its agent called unusable).
     */
    @Test
    void anOkReplyWhoseSocketIsNotEstablishedIsRefused() {
        String ok = "00 01 00 00 00 02 00 00 00 03 00 00 00 02 03 04 00 04 00 00 00 02 13 01"
                + " 00 0A 00 00 00 01 01 00 0B 00 00 00 01 01";
        for (String state : List.of("01", "03")) {
            assertThatThrownBy(() -> HandshakeReply.decode(Wire.fields(hex(ok + " 00 0E 00 00 00 01 " + state))))
                    .isInstanceOf(WireException.class).hasMessageContaining("SOCKET_STATE must be 2");
            assertThatThrownBy(() -> SessionReply.decode(Wire.fields(hex("00 01 00 00 00 02 00 00"
                    + " 00 24 00 00 00 04 00 00 00 01 00 25 00 00 00 04 00 00 00 00 00 26 00 00 00 01 00"
                    + " 00 27 00 00 00 04 00 00 00 00 00 0E 00 00 00 01 " + state))))
                    .isInstanceOf(WireException.class).hasMessageContaining("SOCKET_STATE must be 2");
        }
    }

    /**
     * A PONG whose MAX_VERSION is 0 is malformed (found by WireFuzzTest: it decoded as version 0, and the consumer
     * would have asked every handshake in a version no agent speaks); higher versions than this code's are capped.
     */
    @Test
    void aPongWithMaxVersion0IsRefused() throws Exception {
        assertThatThrownBy(() -> Pong.decode(Wire.fields(hex("00 10 00 00 00 01 61 80 01 00 00 00 01 00"))))
                .isInstanceOf(WireException.class).hasMessageContaining("MAX_VERSION");
        assertThat(Pong.decode(Wire.fields(hex("00 10 00 00 00 01 61 80 01 00 00 00 01 09"))).maxVersion())
                .isEqualTo(Wire.MAX_VERSION);
    }

    /**
     * An ALPN name is at most 255 bytes of UTF-8, as TLS counts it (found while writing WireFuzzTest's property: 128
     * two-byte characters passed as 128 chars and failed later, in the handshake).
     */
    @Test
    void anAlpnNameOver255BytesIsRefusedEvenIn255Chars() throws Exception {
        byte[] name = "\u00e9".repeat(128).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(300);
        body.put(hex("00 01 00 00 00 01 02 00 04 00 00 00 01 01")).putShort((short) 0x03).putInt(name.length).put(name)
                .flip();
        byte[] b = Arrays.copyOf(body.array(), body.limit());
        assertThatThrownBy(() -> HandshakeRequestFrame.decode(Wire.fields(b))).isInstanceOf(WireException.class)
                .hasMessageContaining("255 bytes");
        byte[] fits = Arrays.copyOf(b, b.length - 1);
        ByteBuffer.wrap(fits).putInt(16, 255); // the same name cut to 255 bytes: its last character cut in half
        assertThatThrownBy(() -> HandshakeRequestFrame.decode(Wire.fields(fits))).hasMessageContaining("not UTF-8");
        assertThat(HandshakeRequestFrame.decode(Wire.fields(hex("00 01 00 00 00 01 02 00 04 00 00 00 01 01"
                + " 00 03 00 00 00 04 C3 A9 C3 A9"))).alpn()).containsExactly("\u00e9\u00e9");
    }

    @Test
    void theDocumentedKeyUpdateTxExampleHasExactlyTheseBytes() {
        byte[] handle = HEX.parseHex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F");
        assertThat(HEX.formatHex(SessionRequest.keyUpdateTx(handle, true, SessionRequest.DEFAULT_SEND_WAIT_MS)
                .encode())).isEqualTo("6B 41 02 05 00 00 00 1D"
                + " 00 0F 00 00 00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"
                + " 00 20 00 00 00 01 01");
        assertThat(HEX.formatHex(SessionRequest.peerKeyUpdate(handle, new byte[] {24, 0, 0, 1, 1}, false, 0)
                .encode())).isEqualTo("6B 41 02 06 00 00 00 32"
                + " 00 0F 00 00 00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"
                + " 00 21 00 00 00 05 18 00 00 01 01"
                + " 00 22 00 00 00 01 00"
                + " 00 23 00 00 00 04 00 00 00 00");
        assertThat(HEX.formatHex(SessionRequest.release(handle).encode())).isEqualTo("6B 41 02 08 00 00 00 16"
                + " 00 0F 00 00 00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F");
    }

    @Test
    void sessionRequestsSurviveARoundTrip() throws Exception {
        byte[] h = bytes(16, 7);
        SessionRequest[] requests = {
            SessionRequest.keyUpdateTx(h, false, SessionRequest.DEFAULT_SEND_WAIT_MS),
            SessionRequest.keyUpdateTx(h, true, 0),
            SessionRequest.peerKeyUpdate(h, new byte[] {24, 0, 0, 1, 0}, true, 250),
            SessionRequest.newSessionTicket(h, bytes(40, 4)),
            SessionRequest.release(h),
        };
        for (SessionRequest r : requests) {
            byte[] frame = r.encode();
            Wire.Header header = Wire.header(frame, Wire.MAX_SESSION_REQUEST_BODY);
            assertThat(header.version()).isEqualTo(2);
            assertThat(SessionRequest.Op.ofType(header.type())).isEqualTo(r.op());
            assertThat(SessionRequest.decode(r.op(), Wire.fields(Arrays.copyOfRange(frame, Wire.HEADER,
                    frame.length)))).isEqualTo(r);
            assertThat(r.toString()).doesNotContain("07070707070707");
        }
    }

    @Test
    void malformedSessionRequestsNameTheirProblem() {
        String handle = " 00 0F 00 00 00 10" + " 07".repeat(16);
        assertSessionRequestRefused(SessionRequest.Op.RELEASE, "", "SESSION_HANDLE (0x0f) is missing");
        assertSessionRequestRefused(SessionRequest.Op.RELEASE, "00 0F 00 00 00 02 01 02", "must be 16 bytes, got 2");
        assertSessionRequestRefused(SessionRequest.Op.PEER_KEY_UPDATE, handle, "needs HANDSHAKE_MESSAGE");
        assertSessionRequestRefused(SessionRequest.Op.KEY_UPDATE_TX, handle + " 00 21 00 00 00 01 18",
                "HANDSHAKE_MESSAGE) does not belong in KEY_UPDATE_TX");
        assertSessionRequestRefused(SessionRequest.Op.KEY_UPDATE_TX, handle + " 00 20 00 00 00 01 02",
                "REQUEST_UPDATE must be 0 or 1, got 2");
        assertSessionRequestRefused(SessionRequest.Op.RELEASE, handle + " 00 23 00 00 00 04 00 00 00 01",
                "does not belong in RELEASE");
        assertSessionRequestRefused(SessionRequest.Op.KEY_UPDATE_TX, handle + " 00 23 00 00 00 04 00 04 93 E1",
                "SEND_WAIT_MS must be 0..300000, got 300001");
        assertSessionRequestRefused(SessionRequest.Op.KEY_UPDATE_TX, handle + handle, "appears twice");
        assertSessionRequestRefused(SessionRequest.Op.KEY_UPDATE_TX, handle + " 00 30 00 00 00 00",
                "unknown field 0x0030");
    }

    @Test
    void sessionRepliesSurviveARoundTripAndNeverShowTheirKeys() throws Exception {
        CryptoInfo tx = CryptoInfo.of(TlsVersion.TLS_1_3, CipherType.AES_GCM_128, bytes(16, 5), bytes(8, 6),
                bytes(4, 7), CryptoInfo.seqBytes(0));
        SessionReply ok = SessionReply.success(2, 3, false, 1, Map.of(Direction.TX, tx.copy()));
        byte[] frame = ok.encode();
        assertThat(frame[2]).isEqualTo((byte) 2);
        assertThat(frame[3]).isEqualTo((byte) Wire.TYPE_SESSION_REPLY);
        SessionReply back = SessionReply.decode(Wire.fields(Arrays.copyOfRange(frame, Wire.HEADER, frame.length)));
        assertThat(back.status()).isEqualTo(AgentStatus.OK);
        assertThat(back.txGeneration()).isEqualTo(2);
        assertThat(back.rxGeneration()).isEqualTo(3);
        assertThat(back.txUpdated()).isFalse();
        assertThat(back.tickets()).isEqualTo(1);
        assertThat(back.nextKey(Direction.TX).sameAs(tx)).isTrue();
        assertThat(back.nextKey(Direction.RX)).isNull();
        assertThat(back.toString()).doesNotContain("0505050505");
        back.destroy();
        ok.destroy();
        assertThat(back.isDestroyed()).isTrue();
        assertThat(ok.isDestroyed()).isTrue();

        byte[] failed = SessionReply.failure(AgentStatus.REKEY_UNSUPPORTED, SocketState.ESTABLISHED,
                "needs Linux 6.14").encode();
        SessionReply refusal = SessionReply.decode(Wire.fields(Arrays.copyOfRange(failed, Wire.HEADER,
                failed.length)));
        assertThat(refusal.status()).isEqualTo(AgentStatus.REKEY_UNSUPPORTED);
        assertThat(refusal.socketState()).isEqualTo(SocketState.ESTABLISHED);
        assertThat(refusal.message()).isEqualTo("needs Linux 6.14");
        // an OK reply lacking its generations, and one that both updated TX on the socket and returned it
        assertThatThrownBy(() -> SessionReply.decode(Wire.fields(hex("00 01 00 00 00 02 00 00"))))
                .hasMessageContaining("needs TX_GENERATION");
        byte[] struct = tx.toBytes();
        ByteBuffer body = ByteBuffer.allocate(200).put(hex("00 01 00 00 00 02 00 00 00 24 00 00 00 04 00 00 00 01"
                + " 00 25 00 00 00 04 00 00 00 00 00 26 00 00 00 01 01 00 27 00 00 00 04 00 00 00 00 00 0C 00 00 00"));
        body.put((byte) struct.length).put(struct).flip();
        byte[] b = Arrays.copyOf(body.array(), body.limit());
        assertThatThrownBy(() -> SessionReply.decode(Wire.fields(b))).hasMessageContaining("returned as well");
    }

    @Test
    void aVersion2HandshakeReplyCarriesTheHandleAndAVersion1ReplyNever() throws Exception {
        HandshakeReply.Session session = new HandshakeReply.Session(TlsVersion.TLS_1_3, 0x1301, null, null,
                List.of(), null, List.of(), false, -1);
        Map<Direction, Placement> kernel = new EnumMap<>(Map.of(Direction.TX, Placement.KERNEL, Direction.RX,
                Placement.KERNEL));
        HandshakeReply reply = HandshakeReply.success(session, kernel, Map.of()).withSessionHandle(bytes(16, 9));
        byte[] v2 = reply.encode(2);
        byte[] v1 = reply.encode(1);
        assertThat(v2[2]).isEqualTo((byte) 2);
        assertThat(HandshakeReply.decode(Wire.fields(Arrays.copyOfRange(v2, 8, v2.length))).sessionHandle())
                .isEqualTo(bytes(16, 9));
        assertThat(HandshakeReply.decode(Wire.fields(Arrays.copyOfRange(v1, 8, v1.length))).sessionHandle())
                .isNull();
        assertThat(Wire.header(v2, Wire.MAX_REPLY_BODY).version()).isEqualTo(2);
        assertThatThrownBy(() -> HandshakeReply.decode(Wire.fields(hex("00 01 00 00 00 02 00 00 00 03 00 00 00 02"
                + " 03 04 00 04 00 00 00 02 13 01 00 0A 00 00 00 01 01 00 0B 00 00 00 01 01 00 0F 00 00 00 01 00"))))
                .hasMessageContaining("SESSION_HANDLE must be 16 bytes");
    }

    private static void assertSessionRequestRefused(SessionRequest.Op op, String fieldsHex, String message) {
        assertThatThrownBy(() -> SessionRequest.decode(op, Wire.fields(hex(fieldsHex.strip()))))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.status()).isEqualTo(AgentStatus.BAD_REQUEST))
                .hasMessageContaining(message);
    }

    private static void assertRequestRefused(String fieldsHex, String message) {
        assertThatThrownBy(() -> HandshakeRequestFrame.decode(Wire.fields(hex(fieldsHex))))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.status()).isEqualTo(AgentStatus.BAD_REQUEST))
                .hasMessageContaining(message);
    }

    private static HandshakeRequest decodeRequest(byte[] frame) throws Exception {
        Wire.Header h = Wire.header(frame, Wire.MAX_REQUEST_BODY);
        assertThat(h.type()).isEqualTo(Wire.TYPE_HANDSHAKE_REQUEST);
        assertThat(h.length()).isEqualTo(frame.length - Wire.HEADER);
        return HandshakeRequestFrame.decode(Wire.fields(Arrays.copyOfRange(frame, Wire.HEADER, frame.length)));
    }

    private static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    private static byte[] bytes(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
