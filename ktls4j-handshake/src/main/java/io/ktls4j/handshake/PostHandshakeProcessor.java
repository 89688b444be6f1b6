package io.ktls4j.handshake;

import io.ktls4j.KtlsSocket;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.RecordBuffers;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Lock;

/**
 * Handles the control records that arrive after the handshake, in the read path (RFC 8446 §4.6, §6):
 * <ul>
 * <li>alert: close_notify ends the peer's stream; user_canceled and (TLS 1.2) other warnings are ignored; anything
 * else is fatal and becomes a {@link TlsAlertException};
 * <li>handshake: NewSessionTicket (client: counted, kept in the session cache when resumption is on, and handed to
 * the {@link PostHandshakeDuties}); KeyUpdate (TLS 1.3: next RX key, answer if requested); HelloRequest / ClientHello (TLS 1.2 renegotiation: refused with a
 * no_renegotiation warning); anything else is an unexpected_message.
 * </ul>
 */
final class PostHandshakeProcessor {
    private static final System.Logger LOG = System.getLogger(PostHandshakeProcessor.class.getName());

    /** What a control record meant for the reader. */
    enum Outcome { CONTINUE, CLOSE_NOTIFY, END_OF_STREAM }

    /** Sends an alert record with the write lock held (best effort). */
    interface AlertSender {
        void send(int level, int description);
    }

    private final KtlsSocket socket;
    private final boolean client;
    private final TlsVersion version;
    private final KeyUpdater keyUpdater;
    private final PostHandshakeDuties duties;
    private final AlertSender alerts;
    private final Lock writeLock;
    private final PostHandshakeMessages messages = new PostHandshakeMessages();
    /** The control record being processed: a {@link RecordBuffers#plaintext()} only during {@link #processNext}. */
    private ByteBuffer record;
    private volatile long ticketsReceived;
    /** Client with resumption: where tickets go; null otherwise. */
    private volatile ClientTickets tickets;

    PostHandshakeProcessor(KtlsSocket socket, boolean client, TlsVersion version, KeyUpdater keyUpdater,
            PostHandshakeDuties duties, AlertSender alerts, Lock writeLock) {
        this.socket = socket;
        this.client = client;
        this.version = version;
        this.keyUpdater = keyUpdater;
        this.duties = duties;
        this.alerts = alerts;
        this.writeLock = writeLock;
    }

    long ticketsReceived() {
        return ticketsReceived;
    }

    void keepTickets(ClientTickets t) {
        this.tickets = t;
    }

    /** Moves the tickets' destination (and its resumption secret) out: tickets read from now on are only counted. */
    ClientTickets takeTickets() {
        ClientTickets t = tickets;
        tickets = null;
        return t;
    }

    /** Zeroes the resumption secret held for tickets. */
    void destroy() {
        ClientTickets t = tickets;
        if (t != null) {
            t.destroy();
        }
    }

    /**
     * Reads the control record that is next on the socket and acts on it. Read lock held. An application-data record
     * read here instead (it should not be) is handed to {@code spill} (to be read before anything else).
     */
    Outcome processNext(java.util.function.Consumer<ByteBuffer> spill) throws IOException {
        record = RecordBuffers.plaintext();
        try {
            return processNext(record, spill);
        } finally {
            record = RecordBuffers.release(record);
        }
    }

    private Outcome processNext(ByteBuffer record, java.util.function.Consumer<ByteBuffer> spill)
            throws IOException {
        Received r = socket.receive(record);
        if (r.isEndOfStream()) {
            return Outcome.END_OF_STREAM;
        }
        record.flip();
        RecordType type = r.type();
        if (type == null || type.equals(RecordType.APPLICATION_DATA)) {
            spill.accept(record);
            return Outcome.CONTINUE;
        }
        if (type.equals(RecordType.ALERT)) {
            return onAlert();
        }
        if (type.equals(RecordType.HANDSHAKE)) {
            onHandshake();
            return Outcome.CONTINUE;
        }
        throw fatal(Alerts.UNEXPECTED_MESSAGE, "unexpected " + type + " record after the handshake");
    }

    private Outcome onAlert() throws IOException {
        if (record.remaining() < 2 || record.remaining() % 2 != 0) {
            throw fatal(Alerts.DECODE_ERROR, "malformed alert record of " + record.remaining() + " bytes");
        }
        while (record.hasRemaining()) {
            int level = record.get() & 0xff;
            int description = record.get() & 0xff;
            if (description == Alerts.CLOSE_NOTIFY) {
                return Outcome.CLOSE_NOTIFY;
            }
            if (description == Alerts.USER_CANCELED
                    || (version == TlsVersion.TLS_1_2 && level == Alerts.LEVEL_WARNING)) {
                LOG.log(Level.DEBUG, "ignoring warning alert " + Alerts.name(description));
                continue;
            }
            throw new TlsAlertException(description, true, false, null, null);
        }
        return Outcome.CONTINUE;
    }

    private void onHandshake() throws IOException {
        try {
            messages.receive(record, client, version, receiver);
        } catch (PostHandshakeMessages.ProtocolViolationException e) {
            throw fatal(e.alert(), e.getMessage());
        }
    }

    private final PostHandshakeMessages.Receiver receiver = new PostHandshakeMessages.Receiver() {
        @Override
        public void newSessionTicket(PostHandshakeMessages.Message ticket) throws IOException {
            ticketsReceived++;
            if (version == TlsVersion.TLS_1_3) {
                ClientTickets keep = tickets;
                if (keep != null) {
                    try {
                        keep.keep(ticket);
                    } catch (IllegalArgumentException e) {
                        throw fatal(Alerts.DECODE_ERROR, e.getMessage());
                    }
                }
                duties.sessionTicket(ticket.encoded());
            }
        }

        @Override
        public void keyUpdate(PostHandshakeMessages.Message keyUpdate, boolean updateRequested) throws IOException {
            keyUpdater.onPeerKeyUpdate(keyUpdate.encoded(), updateRequested, writeLock);
        }

        @Override
        public void renegotiationRequested() {
            alerts.send(Alerts.LEVEL_WARNING, Alerts.NO_RENEGOTIATION);
        }
    };

    /** Sends a fatal alert and returns the exception that reports it. */
    TlsAlertException fatal(int description, String detail) {
        alerts.send(Alerts.LEVEL_FATAL, description);
        return new TlsAlertException(description, false, false, detail, null);
    }
}
