package io.ktls4j.handshake.spi;

import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reassembles the handshake messages that arrive after the handshake ({@code HandshakeType msg_type; uint24 length;
 * body}) from the plaintext of handshake records, which may hold several messages or part of one (RFC 8446 §5.1),
 * for the record layers that read records themselves: the handshake module's own connections and an event-loop
 * integration, and checks each against what may come after the handshake ({@link #receive}: RFC 8446 §4.6 and
 * §5.1, TLS 1.2 renegotiation); what to do with an acceptable one is the caller's ({@link Receiver}). Not
 * thread-safe.
 */
public final class PostHandshakeMessages {
    public static final int HELLO_REQUEST = 0;
    public static final int CLIENT_HELLO = 1;
    public static final int NEW_SESSION_TICKET = 4;
    public static final int CERTIFICATE_REQUEST = 13;
    public static final int KEY_UPDATE = 24;

    /** The largest message accepted (a NewSessionTicket is at most about 64 KiB). */
    public static final int MAX_MESSAGE = 1 << 17;

    /** One whole message: its type and body (without the 4-byte header). */
    public record Message(int type, byte[] body) {
        /** The whole message as sent: type, uint24 length, body. */
        public byte[] encoded() {
            byte[] m = new byte[4 + body.length];
            m[0] = (byte) type;
            m[1] = (byte) (body.length >>> 16);
            m[2] = (byte) (body.length >>> 8);
            m[3] = (byte) body.length;
            System.arraycopy(body, 0, m, 4, body.length);
            return m;
        }
    }

    /** A post-handshake message that breaks the protocol: the fatal alert this end answers with, and why. */
    public static final class ProtocolViolationException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int alert;

        ProtocolViolationException(int alert, String message) {
            super(message);
            this.alert = alert;
        }

        /** The alert description to send (RFC 8446 §6): decode_error, unexpected_message or illegal_parameter. */
        public int alert() {
            return alert;
        }
    }

    /** What the connection does with a message that may come now. */
    public interface Receiver {
        /** Client: a NewSessionTicket (TLS 1.3; a TLS 1.2 server does not send them after the handshake). */
        void newSessionTicket(Message ticket) throws IOException;

        /** TLS 1.3: the peer's KeyUpdate, the last message of its record: switch RX, answer when it asks. */
        void keyUpdate(Message keyUpdate, boolean updateRequested) throws IOException;

        /** TLS 1.2: the peer asks for renegotiation (HelloRequest to a client, ClientHello to a server). */
        void renegotiationRequested() throws IOException;
    }

    private static final int UNEXPECTED_MESSAGE = 10;
    private static final int ILLEGAL_PARAMETER = 47;
    private static final int DECODE_ERROR = 50;

    private byte[] pending = new byte[0];

    /**
     * Adds one handshake record's plaintext (consumed); returns the messages it completes, in order.
     *
     * @throws ProtocolViolationException (decode_error) when a message announces more than {@link #MAX_MESSAGE} bytes
     */
    public List<Message> add(ByteBuffer recordPlaintext) throws ProtocolViolationException {
        byte[] buf = Arrays.copyOf(pending, pending.length + recordPlaintext.remaining());
        recordPlaintext.get(buf, pending.length, recordPlaintext.remaining());
        List<Message> out = new ArrayList<>();
        int pos = 0;
        while (buf.length - pos >= 4) {
            int type = buf[pos] & 0xff;
            int length = ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
            if (length > MAX_MESSAGE) {
                throw new ProtocolViolationException(DECODE_ERROR, "handshake message of type " + type + " claims "
                        + length + " bytes");
            }
            if (buf.length - pos - 4 < length) {
                break;
            }
            out.add(new Message(type, Arrays.copyOfRange(buf, pos + 4, pos + 4 + length)));
            pos += 4 + length;
        }
        pending = Arrays.copyOfRange(buf, pos, buf.length);
        return out;
    }

    /** How many whole handshake messages {@code messages} (whole messages, back to back) holds. */
    public static int count(byte[] messages) {
        int n = 0;
        int pos = 0;
        while (messages.length - pos >= 4) {
            pos += 4 + (((messages[pos + 1] & 0xff) << 16) | ((messages[pos + 2] & 0xff) << 8)
                    | (messages[pos + 3] & 0xff));
            n++;
        }
        return n;
    }

    /**
     * Adds one handshake record's plaintext (consumed) and hands each message it completes to {@code receiver}, in
     * order, after checking that it may come now on a {@code version} connection at this end ({@code client} or
     * server).
     *
     * @throws ProtocolViolationException for a message that breaks the protocol (nothing after it is handed over)
     */
    public void receive(ByteBuffer recordPlaintext, boolean client, TlsVersion version, Receiver receiver)
            throws IOException {
        List<Message> complete = add(recordPlaintext);
        for (int i = 0; i < complete.size(); i++) {
            Message m = complete.get(i);
            switch (m.type()) {
                case NEW_SESSION_TICKET -> {
                    if (!client) {
                        throw new ProtocolViolationException(UNEXPECTED_MESSAGE, "a client sent a NewSessionTicket");
                    }
                    receiver.newSessionTicket(m);
                }
                case KEY_UPDATE -> {
                    if (version != TlsVersion.TLS_1_3) {
                        throw new ProtocolViolationException(UNEXPECTED_MESSAGE, "KeyUpdate on a TLS 1.2 connection");
                    }
                    if (m.body().length != 1 || (m.body()[0] & 0xff) > 1) {
                        throw new ProtocolViolationException(ILLEGAL_PARAMETER, "malformed KeyUpdate");
                    }
                    if (i != complete.size() - 1 || hasPartial()) {
                        throw new ProtocolViolationException(UNEXPECTED_MESSAGE,
                                "a KeyUpdate did not end its record (RFC 8446 §5.1)");
                    }
                    receiver.keyUpdate(m, m.body()[0] == 1);
                }
                case HELLO_REQUEST, CLIENT_HELLO -> {
                    if (version != TlsVersion.TLS_1_2 || client != (m.type() == HELLO_REQUEST)) {
                        throw new ProtocolViolationException(UNEXPECTED_MESSAGE,
                                "unexpected handshake message " + m.type());
                    }
                    receiver.renegotiationRequested();
                }
                default -> throw new ProtocolViolationException(UNEXPECTED_MESSAGE,
                        "unexpected post-handshake message of type " + m.type());
            }
        }
    }

    /** True while part of a message is buffered (a key change must not happen then). */
    public boolean hasPartial() {
        return pending.length > 0;
    }

    /** The whole KeyUpdate message: {@code key_update(24)}, length 1, {@code request_update}. */
    public static byte[] keyUpdate(boolean updateRequested) {
        return new byte[] {KEY_UPDATE, 0, 0, 1, (byte) (updateRequested ? 1 : 0)};
    }

    /**
     * The {@code request_update} of a whole KeyUpdate message.
     *
     * @throws IllegalArgumentException unless it is type 24, length 1, and 0 or 1
     */
    public static boolean parseKeyUpdate(byte[] message) {
        if (message == null || message.length != 5 || (message[0] & 0xff) != KEY_UPDATE || message[1] != 0
                || message[2] != 0 || message[3] != 1 || (message[4] & 0xff) > 1) {
            throw new IllegalArgumentException("not a KeyUpdate message (type 24, length 1, request_update 0 or 1)");
        }
        return message[4] == 1;
    }
}
