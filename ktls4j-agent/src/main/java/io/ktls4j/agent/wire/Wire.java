package io.ktls4j.agent.wire;

import io.ktls4j.agent.AgentStatus;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The agent's frame format (docs/AGENT.md, "Frames"): an 8-byte header ({@code "kA"}, version, type, u32 body
 * length) and a body of tag-length-value fields ({@code u16 tag, u32 length, value}), all big-endian.
 */
public final class Wire {
    public static final int MAGIC = 0x6B41;
    /** The base protocol: one exchange per connection. */
    public static final int VERSION = 1;
    /** Adds kept TLS 1.3 sessions and their operations (KEY_UPDATE_TX, PEER_KEY_UPDATE, NEW_SESSION_TICKET, RELEASE). */
    public static final int VERSION_2 = 2;
    public static final int MAX_VERSION = VERSION_2;
    public static final int HEADER = 8;
    public static final int FIELD_HEADER = 6;
    public static final int MAX_REQUEST_BODY = 1 << 16;
    public static final int MAX_REPLY_BODY = 1 << 20;
    /** Session operations may carry a NewSessionTicket (up to 2^24 bytes in theory, about 64 KiB in practice). */
    public static final int MAX_SESSION_REQUEST_BODY = 1 << 18;
    public static final int MAX_STRING = 4096;
    /** Tags from here up are optional: a receiver that does not know them skips them. */
    public static final int OPTIONAL_TAGS = 0x8000;

    public static final int TYPE_HANDSHAKE_REQUEST = 1;
    public static final int TYPE_HANDSHAKE_REPLY = 2;
    public static final int TYPE_PING = 3;
    public static final int TYPE_PONG = 4;
    /** Version 2: the consumer wants to send a KeyUpdate (fd attached). */
    public static final int TYPE_KEY_UPDATE_TX = 5;
    /** Version 2: the consumer read the peer's KeyUpdate (fd attached). */
    public static final int TYPE_PEER_KEY_UPDATE = 6;
    /** Version 2: a client consumer read a NewSessionTicket. */
    public static final int TYPE_NEW_SESSION_TICKET = 7;
    /** Version 2: the consumer is done with the session. */
    public static final int TYPE_RELEASE = 8;
    /** Version 2: the agent's answer to a session operation. */
    public static final int TYPE_SESSION_REPLY = 9;

    private Wire() {
    }

    /** One field: a tag and its raw value. */
    public record Field(int tag, byte[] value) {
    }

    /** A parsed frame header. */
    public record Header(int version, int type, int length) {
    }

    /**
     * A frame under construction: append fields, then {@link #toBytes()} once. The builder's own buffer is zeroed as
     * it grows and when the frame is made, since a reply may carry keys; the caller zeroes the frame.
     */
    public static final class Builder {
        private final int version;
        private final int type;
        private byte[] body = new byte[256];
        private int size;

        /** A version-1 frame. */
        public Builder(int type) {
            this(VERSION, type);
        }

        public Builder(int version, int type) {
            this.version = version;
            this.type = type;
        }

        public Builder bytes(int tag, byte[] value) {
            ensure(FIELD_HEADER + value.length);
            ByteBuffer.wrap(body, size, FIELD_HEADER).putShort((short) tag).putInt(value.length);
            System.arraycopy(value, 0, body, size + FIELD_HEADER, value.length);
            size += FIELD_HEADER + value.length;
            return this;
        }

        public Builder u8(int tag, int value) {
            return bytes(tag, new byte[] {(byte) value});
        }

        public Builder u16(int tag, int value) {
            return bytes(tag, new byte[] {(byte) (value >>> 8), (byte) value});
        }

        public Builder u32(int tag, long value) {
            return bytes(tag, ByteBuffer.allocate(4).putInt((int) value).array());
        }

        public Builder string(int tag, String value) {
            return bytes(tag, value.getBytes(StandardCharsets.UTF_8));
        }

        /** The whole frame: header and body. */
        public byte[] toBytes() {
            ByteBuffer f = ByteBuffer.allocate(HEADER + size);
            f.putShort((short) MAGIC).put((byte) version).put((byte) type).putInt(size).put(body, 0, size);
            Arrays.fill(body, (byte) 0);
            size = 0;
            return f.array();
        }

        private void ensure(int more) {
            if (size + more > body.length) {
                byte[] bigger = Arrays.copyOf(body, Math.max(body.length * 2, size + more));
                Arrays.fill(body, (byte) 0);
                body = bigger;
            }
        }
    }

    /**
     * Parses a frame header.
     *
     * @param maxBody the largest body this side accepts
     * @throws WireException BAD_REQUEST for a wrong magic or an oversized body, VERSION_UNSUPPORTED for another version
     */
    public static Header header(byte[] h, int maxBody) throws WireException {
        ByteBuffer b = ByteBuffer.wrap(h, 0, HEADER);
        int magic = Short.toUnsignedInt(b.getShort());
        int version = Byte.toUnsignedInt(b.get());
        int type = Byte.toUnsignedInt(b.get());
        long length = Integer.toUnsignedLong(b.getInt());
        if (magic != MAGIC) {
            throw new WireException(AgentStatus.BAD_REQUEST, String.format("bad magic 0x%04x (expected 0x%04x, \"kA\")",
                    magic, MAGIC));
        }
        if (version < VERSION || version > MAX_VERSION) {
            throw new WireException(AgentStatus.VERSION_UNSUPPORTED, "protocol version " + version
                    + " is not supported (this agent speaks versions " + VERSION + " to " + MAX_VERSION + ")");
        }
        if (length > maxBody) {
            throw new WireException(AgentStatus.BAD_REQUEST, "a body of " + length + " bytes exceeds the limit of "
                    + maxBody);
        }
        return new Header(version, type, (int) length);
    }

    /** Splits a body into fields; the fields must add up to exactly the body. */
    public static List<Field> fields(byte[] body) throws WireException {
        List<Field> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(body);
        while (b.hasRemaining()) {
            if (b.remaining() < FIELD_HEADER) {
                throw bad("a field header is cut off after " + b.position() + " bytes");
            }
            int tag = Short.toUnsignedInt(b.getShort());
            long len = Integer.toUnsignedLong(b.getInt());
            if (len > b.remaining()) {
                throw bad(String.format("field 0x%04x claims %d bytes but %d remain", tag, len, b.remaining()));
            }
            byte[] v = new byte[(int) len];
            b.get(v);
            out.add(new Field(tag, v));
        }
        return out;
    }

    static WireException bad(String message) {
        return new WireException(AgentStatus.BAD_REQUEST, message);
    }

    static int u8(Field f) throws WireException {
        fixed(f, 1);
        return Byte.toUnsignedInt(f.value()[0]);
    }

    static int u16(Field f) throws WireException {
        fixed(f, 2);
        return ((f.value()[0] & 0xff) << 8) | (f.value()[1] & 0xff);
    }

    static long u32(Field f) throws WireException {
        fixed(f, 4);
        return Integer.toUnsignedLong(ByteBuffer.wrap(f.value()).getInt());
    }

    static String string(Field f) throws WireException {
        if (f.value().length == 0 || f.value().length > MAX_STRING) {
            throw bad(String.format("string field 0x%04x has %d bytes (1..%d allowed)", f.tag(), f.value().length,
                    MAX_STRING));
        }
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(f.value())).toString();
        } catch (CharacterCodingException e) {
            throw bad(String.format("string field 0x%04x is not UTF-8", f.tag()));
        }
        // strings end up in log lines: no line breaks or other control characters
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029)) {
            throw bad(String.format("string field 0x%04x contains control characters", f.tag()));
        }
        return s;
    }

    private static void fixed(Field f, int size) throws WireException {
        if (f.value().length != size) {
            throw bad(String.format("field 0x%04x must be %d byte%s, got %d", f.tag(), size, size == 1 ? "" : "s",
                    f.value().length));
        }
    }

    /** Rejects a second occurrence of a non-repeated tag. */
    static void once(Object previous, Field f) throws WireException {
        if (previous != null) {
            throw bad(String.format("field 0x%04x appears twice", f.tag()));
        }
    }

    /** An unknown tag: skipped when optional, else malformed. */
    static void unknown(Field f) throws WireException {
        if (f.tag() < OPTIONAL_TAGS) {
            throw bad(String.format("unknown field 0x%04x", f.tag()));
        }
    }
}
