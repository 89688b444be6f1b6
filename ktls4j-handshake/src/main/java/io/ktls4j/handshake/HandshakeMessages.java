package io.ktls4j.handshake;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reassembles post-handshake handshake messages ({@code HandshakeType msg_type; uint24 length; body}) from the
 * bodies of handshake records, which may hold several messages or part of one (RFC 8446 §5.1).
 */
final class HandshakeMessages {
    static final int HELLO_REQUEST = 0;
    static final int CLIENT_HELLO = 1;
    static final int NEW_SESSION_TICKET = 4;
    static final int CERTIFICATE_REQUEST = 13;
    static final int KEY_UPDATE = 24;

    /** Largest post-handshake message we accept (a NewSessionTicket is at most about 64 KiB). */
    static final int MAX_MESSAGE = 1 << 17;

    record Message(int type, byte[] body) {
        /** The whole message: type, uint24 length, body. */
        byte[] encoded() {
            byte[] m = new byte[4 + body.length];
            m[0] = (byte) type;
            m[1] = (byte) (body.length >>> 16);
            m[2] = (byte) (body.length >>> 8);
            m[3] = (byte) body.length;
            System.arraycopy(body, 0, m, 4, body.length);
            return m;
        }
    }

    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Adds one record's body; returns the messages it completes, in order. */
    List<Message> add(byte[] data, int off, int len) throws MalformedMessageException {
        pending.write(data, off, len);
        byte[] buf = pending.toByteArray();
        List<Message> out = new ArrayList<>();
        int pos = 0;
        while (buf.length - pos >= 4) {
            int type = buf[pos] & 0xff;
            int length = ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
            if (length > MAX_MESSAGE) {
                throw new MalformedMessageException("handshake message of type " + type + " claims " + length
                        + " bytes");
            }
            if (buf.length - pos - 4 < length) {
                break;
            }
            byte[] body = new byte[length];
            System.arraycopy(buf, pos + 4, body, 0, length);
            out.add(new Message(type, body));
            pos += 4 + length;
        }
        pending.reset();
        pending.write(buf, pos, buf.length - pos);
        return out;
    }

    /** How many whole handshake messages {@code messages} holds. */
    static int count(byte[] messages) {
        int n = 0;
        int pos = 0;
        while (messages.length - pos >= 4) {
            pos += 4 + (((messages[pos + 1] & 0xff) << 16) | ((messages[pos + 2] & 0xff) << 8)
                    | (messages[pos + 3] & 0xff));
            n++;
        }
        return n;
    }

    /** True when part of a message is buffered (a key change must not happen then). */
    boolean hasPartial() {
        return pending.size() > 0;
    }

    /** The body of a KeyUpdate record: {@code key_update(24), length 1, request_update}. */
    static byte[] keyUpdate(boolean updateRequested) {
        return new byte[] {KEY_UPDATE, 0, 0, 1, (byte) (updateRequested ? 1 : 0)};
    }

    /**
     * The {@code request_update} of a whole KeyUpdate message.
     *
     * @throws IllegalArgumentException unless it is type 24, length 1, and 0 or 1
     */
    static boolean parseKeyUpdate(byte[] message) {
        if (message == null || message.length != 5 || (message[0] & 0xff) != KEY_UPDATE || message[1] != 0
                || message[2] != 0 || message[3] != 1 || (message[4] & 0xff) > 1) {
            throw new IllegalArgumentException("not a KeyUpdate message (type 24, length 1, request_update 0 or 1)");
        }
        return message[4] == 1;
    }

    /** A handshake message we cannot parse: the caller answers with decode_error. */
    static final class MalformedMessageException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedMessageException(String message) {
            super(message);
        }
    }
}
