package io.ktls4j.netty;

import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.TlsAlertException;
import io.ktls4j.handshake.spi.ClientSessionTickets;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;

/**
 * What the control records that arrive after the handshake mean, with {@code KtlsConnection}'s policy (RFC 8446
 * §4.6, §6):
 * <ul>
 * <li>alert: close_notify ends the peer's stream; user_canceled and (TLS 1.2) other warnings are ignored; anything
 * else is fatal: a {@link TlsAlertException} received from the peer;
 * <li>handshake ({@link PostHandshakeMessages#receive} checks each): NewSessionTicket (client: counted, and kept in
 * the context's session cache when there is one, TLS 1.3); KeyUpdate (TLS 1.3: the next RX key, and this end's own
 * KeyUpdate when the peer asks); HelloRequest / ClientHello (TLS 1.2 renegotiation: refused with a no_renegotiation
 * warning); anything else is an unexpected_message.
 * </ul>
 * A problem this end detects is thrown as a {@link TlsAlertException} this end is to send (the caller sends it).
 */
final class ControlRecords {
    /** What a control record meant for the reader. */
    enum Outcome { CONTINUE, CLOSE_NOTIFY }

    /** What the connection does for a message. */
    interface Actions {
        /** The peer's KeyUpdate: switch RX to its next key, and answer with ours when it asks. */
        void peerKeyUpdate(boolean updateRequested) throws IOException;

        /** TLS 1.2: refuse renegotiation with a no_renegotiation warning. */
        void refuseRenegotiation();
    }

    private final boolean client;
    private final TlsVersion version;
    private final PostHandshakeMessages.Receiver receiver;
    private final PostHandshakeMessages messages = new PostHandshakeMessages();
    /** Client with a session cache, TLS 1.3: where tickets go; null otherwise. */
    private final ClientSessionTickets tickets;
    private volatile long ticketsReceived; // written on the event loop, read anywhere

    /** Takes {@code tickets} (null: tickets are only counted); {@link #release()} destroys it. */
    ControlRecords(boolean client, TlsVersion version, Actions actions, ClientSessionTickets tickets) {
        this.client = client;
        this.version = version;
        this.tickets = tickets;
        this.receiver = new PostHandshakeMessages.Receiver() {
            @Override
            public void newSessionTicket(PostHandshakeMessages.Message ticket) throws IOException {
                ticketsReceived++;
                if (tickets != null && version == TlsVersion.TLS_1_3) {
                    try {
                        tickets.keep(ticket);
                    } catch (IllegalArgumentException e) {
                        throw fatal(AlertDescription.decode_error, e.getMessage());
                    }
                }
            }

            @Override
            public void keyUpdate(PostHandshakeMessages.Message keyUpdate, boolean updateRequested)
                    throws IOException {
                actions.peerKeyUpdate(updateRequested);
            }

            @Override
            public void renegotiationRequested() {
                actions.refuseRenegotiation();
            }
        };
    }

    long ticketsReceived() {
        return ticketsReceived;
    }

    /** Zeroes what is held for tickets. Idempotent. */
    void release() {
        if (tickets != null) {
            tickets.destroy();
        }
    }

    /** Acts on one control record's plaintext (consumed). */
    Outcome onRecord(RecordType type, ByteBuffer body) throws IOException {
        if (type.equals(RecordType.ALERT)) {
            return onAlert(body);
        }
        if (type.equals(RecordType.HANDSHAKE)) {
            onHandshake(body);
            return Outcome.CONTINUE;
        }
        throw fatal(AlertDescription.unexpected_message, "unexpected " + type + " record after the handshake");
    }

    private Outcome onAlert(ByteBuffer body) throws IOException {
        if (body.remaining() < 2 || body.remaining() % 2 != 0) {
            throw fatal(AlertDescription.decode_error, "malformed alert record of " + body.remaining() + " bytes");
        }
        while (body.hasRemaining()) {
            int level = body.get() & 0xff;
            int description = body.get() & 0xff;
            if (description == AlertDescription.close_notify) {
                return Outcome.CLOSE_NOTIFY;
            }
            if (description == AlertDescription.user_canceled
                    || (version == TlsVersion.TLS_1_2 && level == AlertLevel.warning)) {
                continue; // a warning: ignored
            }
            throw new TlsAlertException(description, true, false, null, null);
        }
        return Outcome.CONTINUE;
    }

    private void onHandshake(ByteBuffer body) throws IOException {
        try {
            messages.receive(body, client, version, receiver);
        } catch (PostHandshakeMessages.ProtocolViolationException e) {
            throw fatal(e.alert(), e.getMessage());
        }
    }

    /** The exception for a problem this end detected; the alert it names is for the caller to send. */
    static TlsAlertException fatal(int description, String detail) {
        return new TlsAlertException(description, false, false, detail, null);
    }
}
