package io.ktls4j.agent.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.agent.AgentStatus;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Auth;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.agent.Placement;
import io.ktls4j.agent.SocketState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Fuzzes the agent's wire format (docs/AGENT.md, "Frames") as both sides parse it: the frame header, the fields, and
 * the message of the frame's type (HANDSHAKE_REQUEST, HANDSHAKE_REPLY, PONG, the version-2 session operations and
 * SESSION_REPLY). The input is one frame; its body is whatever follows the 8 header bytes (a frame's body is read as
 * exactly the length the header declares, so any bytes can be a body: the declared length is checked on its own).
 * The contract on every input:
 * <ul>
 * <li>the header is accepted exactly when its magic is "kA", its version 1 or 2 and its length within the limit, and
 *     then says what its bytes say; else {@link WireException} with VERSION_UNSUPPORTED for a version, BAD_REQUEST
 *     for the rest;</li>
 * <li>a body splits into fields that add up to exactly the body (written back, they are the body), or is refused
 *     with BAD_REQUEST; a message is decoded or refused with BAD_REQUEST: no other exception;</li>
 * <li>what decodes keeps the documented rules (required fields, ranges, a software placement with its keys, strings
 *     of 1..4096 UTF-8 bytes without control characters, ALPN names of at most 255 bytes), and encodes to a frame of
 *     its type that decodes to an equal value and encodes to the same bytes again;</li>
 * <li>a reply's key fields (TX_CRYPTO_INFO, RX_CRYPTO_INFO) are zeroed once decoding ends, whether it succeeded or
 *     not, so record keys do not outlive a reply in the parsed fields.</li>
 * </ul>
 * Regression inputs in src/test/resources/io/ktls4j/agent/wire/WireFuzzTestInputs: whole frames.
 */
class WireFuzzTest {
    private static final HexFormat HEX = HexFormat.of();

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"kA\\x01\\x01", "kA\\x01\\x02", "kA\\x01\\x04", "kA\\x02\\x05", "kA\\x02\\x06", "kA\\x02\\x07",
        "kA\\x02\\x08", "kA\\x02\\x09", "\\x00\\x00\\x00\\x01", "\\x00\\x00\\x00\\x02", "\\x00\\x00\\x00\\x10",
        "\\x00\\x00\\x00\\x28", "\\x04\\x03\\x33\\x00", "\\x03\\x03\\x33\\x00", "\\x04\\x03\\x34\\x00", "\\x80\\x01",
        "\\x13\\x01", "\\x03\\x04"})
    void frame(byte[] input) throws Exception {
        byte[] head = Arrays.copyOf(input, Wire.HEADER);
        Wire.Header h;
        try {
            h = Wire.header(head, Wire.MAX_REPLY_BODY);
        } catch (WireException e) {
            checkHeaderRefusal(head, e);
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(head);
        assertThat(Short.toUnsignedInt(b.getShort())).isEqualTo(Wire.MAGIC);
        assertThat(h.version()).isEqualTo(b.get() & 0xff).isBetween(Wire.VERSION, Wire.MAX_VERSION);
        assertThat(h.type()).isEqualTo(b.get() & 0xff);
        assertThat((long) h.length()).isEqualTo(Integer.toUnsignedLong(b.getInt())).isLessThanOrEqualTo(Wire.MAX_REPLY_BODY);

        byte[] body = input.length > Wire.HEADER ? Arrays.copyOfRange(input, Wire.HEADER, input.length) : new byte[0];
        List<Wire.Field> fields;
        try {
            fields = Wire.fields(body);
        } catch (WireException e) {
            checkBadRequest(e);
            return;
        }
        assertThat(HEX.formatHex(bodyOf(write(new Wire.Builder(h.version(), h.type()), fields))))
                .as("the fields written back").isEqualTo(HEX.formatHex(body));

        try {
            switch (h.type()) {
                case Wire.TYPE_HANDSHAKE_REQUEST -> handshakeRequest(h, fields);
                case Wire.TYPE_HANDSHAKE_REPLY -> handshakeReply(fields);
                case Wire.TYPE_PONG -> pong(fields);
                case Wire.TYPE_SESSION_REPLY -> sessionReply(fields);
                default -> {
                    SessionRequest.Op op = SessionRequest.Op.ofType(h.type());
                    if (op != null) {
                        sessionRequest(op, fields);
                    }
                }
            }
        } catch (WireException e) {
            checkBadRequest(e);
        } finally {
            for (Wire.Field f : fields) {
                if (f.tag() == KeyFields.TX_CRYPTO_INFO || f.tag() == KeyFields.RX_CRYPTO_INFO) {
                    if (h.type() == Wire.TYPE_HANDSHAKE_REPLY || h.type() == Wire.TYPE_SESSION_REPLY) {
                        assertThat(isZero(f.value())).as("the bytes of key field 0x%02x after decoding", f.tag())
                                .isTrue();
                    }
                }
            }
        }
    }

    /** The refusal a header gets is the one its bytes call for (the model of docs/AGENT.md, "Frames"). */
    private static void checkHeaderRefusal(byte[] head, WireException e) {
        ByteBuffer b = ByteBuffer.wrap(head);
        int magic = Short.toUnsignedInt(b.getShort());
        int version = b.get() & 0xff;
        b.get();
        long length = Integer.toUnsignedLong(b.getInt());
        boolean badVersion = version < Wire.VERSION || version > Wire.MAX_VERSION;
        assertThat(magic != Wire.MAGIC || badVersion || length > Wire.MAX_REPLY_BODY).as("a refused header: %s",
                e.getMessage()).isTrue();
        assertThat(e.status()).as(e.getMessage()).isEqualTo(magic == Wire.MAGIC && badVersion
                ? AgentStatus.VERSION_UNSUPPORTED : AgentStatus.BAD_REQUEST);
    }

    private static void checkBadRequest(WireException e) {
        assertThat(e.status()).as(e.getMessage()).isEqualTo(AgentStatus.BAD_REQUEST);
        assertThat(e.getMessage()).isNotBlank();
    }

    private static void handshakeRequest(Wire.Header h, List<Wire.Field> fields) throws WireException {
        HandshakeRequest r = HandshakeRequestFrame.decode(fields);
        if (r.side() == Side.CLIENT && r.auth() != Auth.PSK) {
            assertThat(r.peerName()).as("a client's PEER_NAME").isNotNull();
        }
        if (r.side() == Side.SERVER) {
            assertThat(r.peerName()).isNull();
        }
        for (String s : r.alpn()) {
            checkString(s);
            assertThat(s.getBytes(StandardCharsets.UTF_8).length).as("ALPN %s", s).isBetween(1, 255);
        }
        checkString(r.peerName());
        checkString(r.credential());
        if (r.timeout() != null) {
            assertThat(r.timeout().toMillis()).isBetween(1L, HandshakeRequest.MAX_TIMEOUT_MS);
        }
        byte[] again = HandshakeRequestFrame.encode(r, h.version());
        assertThat(HandshakeRequestFrame.decode(fieldsOf(again, h.version(), Wire.TYPE_HANDSHAKE_REQUEST)))
                .isEqualTo(r);
        assertThat(HEX.formatHex(HandshakeRequestFrame.encode(HandshakeRequestFrame.decode(
                fieldsOf(again, h.version(), Wire.TYPE_HANDSHAKE_REQUEST)), h.version())))
                .isEqualTo(HEX.formatHex(again));
    }

    /**
     * A reply decodes without the frame's version, so it is written back in version 2 (a version-1 frame leaves out
     * the session handle; the agent sends one only in version 2).
     */
    private static void handshakeReply(List<Wire.Field> fields) throws WireException {
        HandshakeReply r = HandshakeReply.decode(fields);
        try {
            checkString(r.message());
            if (r.status() == AgentStatus.OK) {
                assertThat(r.socketState()).isEqualTo(SocketState.ESTABLISHED);
                assertThat(r.session()).isNotNull();
                checkString(r.session().alpn());
                checkString(r.session().serverName());
                for (Direction d : Direction.values()) {
                    assertThat(r.placement(d)).isNotNull();
                    assertThat(r.returnedKeys(d) != null).as("keys of %s", d)
                            .isEqualTo(r.placement(d) == Placement.SOFTWARE);
                    if (r.returnedKeys(d) != null) {
                        assertThat(r.returnedKeys(d).version()).isEqualTo(r.session().version());
                    }
                }
            } else {
                assertThat(r.session()).isNull();
                assertThat(r.sessionHandle()).isNull();
            }
            byte[] again = r.encode(Wire.VERSION_2);
            HandshakeReply r2 = HandshakeReply.decode(fieldsOf(again, Wire.VERSION_2, Wire.TYPE_HANDSHAKE_REPLY));
            try {
                assertThat(describe(r2)).isEqualTo(describe(r));
                assertThat(HEX.formatHex(r2.encode(Wire.VERSION_2))).isEqualTo(HEX.formatHex(again));
            } finally {
                r2.destroy();
            }
        } finally {
            r.destroy();
        }
        assertThat(r.isDestroyed()).isTrue();
    }

    private static void pong(List<Wire.Field> fields) throws WireException {
        Pong p = Pong.decode(fields);
        checkString(p.agentVersion());
        assertThat(p.maxVersion()).as("MAX_VERSION").isBetween(Wire.VERSION, Wire.MAX_VERSION);
        if (p.agentVersion() != null) { // the daemon always sends its version; a PONG without one is not written
            byte[] again = p.encode();
            assertThat(Pong.decode(fieldsOf(again, Wire.VERSION, Wire.TYPE_PONG))).isEqualTo(p);
        }
    }

    private static void sessionRequest(SessionRequest.Op op, List<Wire.Field> fields) throws WireException {
        SessionRequest r = SessionRequest.decode(op, fields);
        assertThat(r.op()).isEqualTo(op);
        assertThat(r.handle()).hasSize(HandshakeReply.HANDLE_LENGTH);
        assertThat(r.message() != null).isEqualTo(op == SessionRequest.Op.PEER_KEY_UPDATE
                || op == SessionRequest.Op.NEW_SESSION_TICKET);
        assertThat(r.sendWaitMillis()).isBetween(0L, SessionRequest.MAX_SEND_WAIT_MS);
        byte[] again = r.encode();
        SessionRequest r2 = SessionRequest.decode(op, fieldsOf(again, Wire.VERSION_2, op.type));
        assertThat(r2).isEqualTo(r);
        assertThat(HEX.formatHex(r2.encode())).isEqualTo(HEX.formatHex(again));
    }

    private static void sessionReply(List<Wire.Field> fields) throws WireException {
        SessionReply r = SessionReply.decode(fields);
        try {
            checkString(r.message());
            if (r.status() == AgentStatus.OK) {
                assertThat(r.socketState()).isEqualTo(SocketState.ESTABLISHED);
                assertThat(r.txGeneration()).isBetween(0L, 0xffffffffL);
                assertThat(r.rxGeneration()).isBetween(0L, 0xffffffffL);
                assertThat(r.tickets()).isBetween(0L, 0xffffffffL);
                assertThat(r.txUpdated() && r.nextKey(Direction.TX) != null).as("TX updated and returned").isFalse();
            } else {
                assertThat(r.nextKey(Direction.TX)).isNull();
                assertThat(r.nextKey(Direction.RX)).isNull();
            }
            byte[] again = r.encode();
            SessionReply r2 = SessionReply.decode(fieldsOf(again, Wire.VERSION_2, Wire.TYPE_SESSION_REPLY));
            try {
                assertThat(describe(r2)).isEqualTo(describe(r));
                assertThat(HEX.formatHex(r2.encode())).isEqualTo(HEX.formatHex(again));
            } finally {
                r2.destroy();
            }
        } finally {
            r.destroy();
        }
        assertThat(r.isDestroyed()).isTrue();
    }

    /** A decoded string keeps the rules of a string field; null stands for an absent field. */
    private static void checkString(String s) {
        if (s == null) {
            return;
        }
        assertThat(s.getBytes(StandardCharsets.UTF_8).length).isBetween(1, Wire.MAX_STRING);
        assertThat(s.chars().noneMatch(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028
                || c == 0x2029)).as("control characters in %s", s).isTrue();
    }

    /** Everything a handshake reply says, keys as their bytes, for comparing two replies. */
    private static String describe(HandshakeReply r) {
        StringBuilder sb = new StringBuilder().append(r.status()).append(' ').append(r.message()).append(' ')
                .append(r.socketState());
        HandshakeReply.Session s = r.session();
        if (s != null) {
            sb.append(' ').append(s.version()).append(' ').append(s.cipherSuite()).append(' ').append(s.alpn())
                    .append(' ').append(s.serverName()).append(" psk ")
                    .append(s.pskIdentity() == null ? null : HEX.formatHex(s.pskIdentity()));
            s.peerCertificates().forEach(c -> sb.append(" peer ").append(HEX.formatHex(c)));
            s.localCertificates().forEach(c -> sb.append(" local ").append(HEX.formatHex(c)));
        }
        for (Direction d : Direction.values()) {
            sb.append(' ').append(d).append(' ').append(r.placement(d)).append(' ').append(keys(r.returnedKeys(d)));
        }
        byte[] handle = r.sessionHandle();
        return sb.append(" handle ").append(handle == null ? null : HEX.formatHex(handle)).toString();
    }

    private static String describe(SessionReply r) {
        return r.status() + " " + r.message() + " " + r.socketState() + " " + r.txGeneration() + " "
                + r.rxGeneration() + " " + r.txUpdated() + " " + r.tickets() + " TX " + keys(r.nextKey(Direction.TX))
                + " RX " + keys(r.nextKey(Direction.RX));
    }

    private static String keys(CryptoInfo k) {
        return k == null ? "none" : HEX.formatHex(k.toBytes());
    }

    /** The fields of a frame this code wrote, after checking its header. */
    private static List<Wire.Field> fieldsOf(byte[] frame, int version, int type) throws WireException {
        Wire.Header h = Wire.header(frame, Wire.MAX_REPLY_BODY);
        assertThat(h.version()).isEqualTo(version);
        assertThat(h.type()).isEqualTo(type);
        assertThat(h.length()).isEqualTo(frame.length - Wire.HEADER);
        return Wire.fields(bodyOf(frame));
    }

    private static byte[] write(Wire.Builder b, List<Wire.Field> fields) {
        fields.forEach(f -> b.bytes(f.tag(), f.value()));
        return b.toBytes();
    }

    private static byte[] bodyOf(byte[] frame) {
        return Arrays.copyOfRange(frame, Wire.HEADER, frame.length);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
