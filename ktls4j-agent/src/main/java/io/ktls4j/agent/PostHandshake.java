package io.ktls4j.agent;

import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.handshake.TlsAlertException;
import io.ktls4j.linux.KernelTls;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The control records that reach a consumer after an agent handshake (RFC 8446 §4.6, §6), handled without keys:
 * close_notify ends the stream; user_canceled and TLS 1.2 warnings are ignored; other alerts are fatal; a client
 * counts and drops NewSessionTickets; TLS 1.2 renegotiation is refused with a no_renegotiation warning. A KeyUpdate
 * needs the traffic secret, which stays in the agent: {@link #keyUpdateUnavailable()}.
 */
final class PostHandshake {
    static final int ALERT_WARNING = 1;
    static final int ALERT_FATAL = 2;
    static final int CLOSE_NOTIFY = 0;
    static final int UNEXPECTED_MESSAGE = 10;
    static final int DECODE_ERROR = 50;
    static final int USER_CANCELED = 90;
    static final int NO_RENEGOTIATION = 100;
    private static final int HELLO_REQUEST = 0;
    private static final int CLIENT_HELLO = 1;
    private static final int NEW_SESSION_TICKET = 4;
    private static final int KEY_UPDATE = 24;

    /** What a control record meant for the reader. */
    enum Outcome { CONTINUE, CLOSE_NOTIFY, END_OF_STREAM }

    /** Sends an alert (best effort) with the connection's write lock. */
    interface AlertSender {
        void send(int level, int description);
    }

    private final KtlsSocket socket;
    private final boolean client;
    private final TlsVersion version;
    private final AlertSender alerts;
    private final ByteBuffer record = ByteBuffer.allocate((1 << 14) + 256);
    private final ByteBuffer partial = ByteBuffer.allocate(1 << 17);
    private volatile long tickets;

    PostHandshake(KtlsSocket socket, boolean client, TlsVersion version, AlertSender alerts) {
        this.socket = socket;
        this.client = client;
        this.version = version;
        this.alerts = alerts;
    }

    long ticketsReceived() {
        return tickets;
    }

    /** Reads the control record that is next and acts on it; application data read instead goes to {@code spill}. */
    Outcome processNext(ByteBuffer spill) throws IOException {
        record.clear();
        Received r = socket.receive(record);
        if (r.isEndOfStream()) {
            return Outcome.END_OF_STREAM;
        }
        record.flip();
        if (r.type() == null || r.type().equals(RecordType.APPLICATION_DATA)) {
            spill.put(record);
            return Outcome.CONTINUE;
        }
        if (r.type().equals(RecordType.ALERT)) {
            return onAlert();
        }
        if (r.type().equals(RecordType.HANDSHAKE)) {
            onHandshake();
            return Outcome.CONTINUE;
        }
        throw fatal(UNEXPECTED_MESSAGE, "unexpected " + r.type() + " record after the handshake");
    }

    private Outcome onAlert() throws IOException {
        if (record.remaining() < 2 || record.remaining() % 2 != 0) {
            throw fatal(DECODE_ERROR, "malformed alert record of " + record.remaining() + " bytes");
        }
        while (record.hasRemaining()) {
            int level = record.get() & 0xff;
            int description = record.get() & 0xff;
            if (description == CLOSE_NOTIFY) {
                return Outcome.CLOSE_NOTIFY;
            }
            if (description == USER_CANCELED || (version == TlsVersion.TLS_1_2 && level == ALERT_WARNING)) {
                continue;
            }
            throw new TlsAlertException(description, true, false, null, null);
        }
        return Outcome.CONTINUE;
    }

    private void onHandshake() throws IOException {
        if (record.remaining() > partial.remaining()) {
            throw fatal(DECODE_ERROR, "a post-handshake message is larger than " + partial.capacity() + " bytes");
        }
        partial.put(record).flip();
        try {
            while (partial.remaining() >= 4) {
                int type = partial.get(partial.position()) & 0xff;
                int length = (partial.getInt(partial.position()) & 0xffffff);
                if (partial.remaining() - 4 < length) {
                    if (length + 4 > partial.capacity()) {
                        throw fatal(DECODE_ERROR, "handshake message of type " + type + " claims " + length + " bytes");
                    }
                    break;
                }
                partial.position(partial.position() + 4 + length);
                onMessage(type);
            }
        } finally {
            partial.compact();
        }
    }

    private void onMessage(int type) throws IOException {
        switch (type) {
            case NEW_SESSION_TICKET -> {
                if (!client) {
                    throw fatal(UNEXPECTED_MESSAGE, "a client sent a NewSessionTicket");
                }
                tickets++;
            }
            case KEY_UPDATE -> {
                if (version != TlsVersion.TLS_1_3) {
                    throw fatal(UNEXPECTED_MESSAGE, "KeyUpdate on a TLS 1.2 connection");
                }
                throw keyUpdateUnavailable();
            }
            case HELLO_REQUEST, CLIENT_HELLO -> {
                if (version != TlsVersion.TLS_1_2 || client != (type == HELLO_REQUEST)) {
                    throw fatal(UNEXPECTED_MESSAGE, "unexpected handshake message " + type);
                }
                alerts.send(ALERT_WARNING, NO_RENEGOTIATION);
            }
            default -> throw fatal(UNEXPECTED_MESSAGE, "unexpected post-handshake message of type " + type);
        }
    }

    /**
     * Why a TLS 1.3 KeyUpdate cannot be followed on an agent connection: the kernel's version when it cannot rekey
     * (before Linux 6.14), else that protocol version 1 does not route KeyUpdates to the agent.
     */
    static IOException keyUpdateUnavailable() {
        String why = "a TLS 1.3 KeyUpdate needs the traffic secret, which the handshake agent keeps";
        if (!KernelTls.supportsRekey()) {
            return new KernelFeatureException(Errno.EOPNOTSUPP, "TLS 1.3 rekey (a second TLS_TX/TLS_RX)", "6.14",
                    why + "; this kernel (" + KernelTls.kernelRelease() + ") could not install the next key anyway");
        }
        return new AgentException(AgentStatus.INTERNAL_ERROR, SocketState.UNUSABLE, why
                + ", and agent protocol version 1 does not route KeyUpdates back to the agent");
    }

    private TlsAlertException fatal(int description, String detail) {
        alerts.send(ALERT_FATAL, description);
        return new TlsAlertException(description, false, false, detail, null);
    }
}
