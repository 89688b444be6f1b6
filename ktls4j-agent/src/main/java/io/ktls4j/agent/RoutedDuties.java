package io.ktls4j.agent;

import io.ktls4j.CryptoInfo;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.RecordType;
import io.ktls4j.WouldBlockException;
import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.agent.wire.SessionReply;
import io.ktls4j.agent.wire.SessionRequest;
import io.ktls4j.agent.wire.Wire;
import io.ktls4j.agent.wire.WireException;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.linux.fd.RawDescriptors;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The consumer's {@link PostHandshakeDuties} for a session the agent keeps (protocol version 2): each duty is an
 * operation on the Unix connection the handshake was made on, with the TCP socket attached where the agent acts on
 * it. The agent installs a kernel direction's next key itself; a direction in this process's software record layer
 * gets its next key in the reply, and this class sends the KeyUpdate and installs it. A KeyUpdate whose send would
 * have blocked stays pending here (its key with it) and is completed by the next {@link #updateTxKey}.
 */
final class RoutedDuties implements PostHandshakeDuties {
    private static final long REPLY_GRACE_MILLIS = 5000;
    private static final long RELEASE_MILLIS = 2000;

    private final FrameStream agent;
    private final byte[] handle;
    private final String agentSocket;
    private CryptoInfo pendingTx; // software TX: the next key, installed once its KeyUpdate is sent
    private byte[] pendingTxMessage;
    private boolean released;

    RoutedDuties(FrameStream agent, byte[] handle, String agentSocket) {
        this.agent = agent;
        this.handle = handle.clone();
        this.agentSocket = agentSocket;
    }

    @Override
    public synchronized void updateTxKey(KtlsSocket socket, boolean requestPeerUpdate) throws IOException {
        if (pendingTx != null) {
            completeTx(socket);
            return;
        }
        SessionReply r = call(SessionRequest.keyUpdateTx(handle, requestPeerUpdate, sendWait(socket)), socket);
        try {
            takeTx(r, Handshakes.keyUpdateMessage(requestPeerUpdate));
        } finally {
            r.destroy();
        }
        if (pendingTx != null) {
            completeTx(socket);
        }
    }

    @Override
    public synchronized boolean peerKeyUpdate(KtlsSocket socket, byte[] message, boolean mayAnswer)
            throws IOException {
        Handshakes.updateRequested(message); // refuses a malformed message before asking the agent
        SessionReply r = call(SessionRequest.peerKeyUpdate(handle, message, mayAnswer && pendingTx == null,
                sendWait(socket)), socket);
        try {
            CryptoInfo rx = r.nextKey(Direction.RX);
            if (rx != null) {
                socket.install(Direction.RX, rx);
            }
            takeTx(r, Handshakes.keyUpdateMessage(false));
        } finally {
            r.destroy();
        }
        if (r.txUpdated()) {
            return true;
        }
        if (pendingTx == null) {
            return false;
        }
        try {
            completeTx(socket);
            return true;
        } catch (WouldBlockException e) {
            return false; // sent by the next updateTxKey
        }
    }

    @Override
    public synchronized void sessionTicket(byte[] message) throws IOException {
        call(SessionRequest.newSessionTicket(handle, message), null).destroy();
    }

    /** Ends the session in the agent (RELEASE) and closes the connection; best effort. */
    @Override
    public synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        if (pendingTx != null) {
            pendingTx.destroy();
            pendingTx = null;
        }
        try {
            agent.write(SessionRequest.release(handle).encode(), new int[0], deadline(RELEASE_MILLIS));
            byte[][] frame = agent.readFrame(Wire.MAX_REPLY_BODY, deadline(RELEASE_MILLIS));
            Arrays.fill(frame[1], (byte) 0);
        } catch (IOException ignored) {
            // the agent may have released the session already (idle limit) or stopped: closing releases it anyway
        } finally {
            agent.close();
        }
    }

    /** A software TX's next key from {@code r}: kept until its KeyUpdate ({@code message}) is sent. */
    private void takeTx(SessionReply r, byte[] message) {
        CryptoInfo tx = r.nextKey(Direction.TX);
        if (tx != null) {
            pendingTx = tx.copy();
            pendingTxMessage = message;
        }
    }

    private void completeTx(KtlsSocket socket) throws IOException {
        socket.sendControl(RecordType.HANDSHAKE, ByteBuffer.wrap(pendingTxMessage));
        try {
            socket.install(Direction.TX, pendingTx);
        } finally {
            pendingTx.destroy();
            pendingTx = null;
        }
    }

    /** One operation and its reply; a refusal becomes the matching exception. */
    private SessionReply call(SessionRequest request, KtlsSocket socket) throws IOException {
        if (released) {
            throw new AgentException(AgentStatus.UNKNOWN_SESSION, SocketState.ESTABLISHED,
                    "the session was released when the connection closed");
        }
        int[] fds = request.op().withDescriptor() ? new int[] {RawDescriptors.of(socket.channel())} : new int[0];
        long wait = request.sendWaitMillis() + REPLY_GRACE_MILLIS;
        SessionReply reply;
        try {
            try {
                agent.write(request.encode(), fds, deadline(AgentClient.SEND_MILLIS));
            } catch (IOException e) {
                if (agent.peerGone()) {
                    throw new EOFException("the agent closed the connection: " + e.getMessage());
                }
                throw e;
            }
            byte[][] frame = agent.readFrame(Wire.MAX_REPLY_BODY, deadline(wait));
            try {
                if ((frame[0][3] & 0xff) != Wire.TYPE_SESSION_REPLY) {
                    throw new WireException(AgentStatus.BAD_REQUEST, "frame type " + (frame[0][3] & 0xff));
                }
                reply = SessionReply.decode(Wire.fields(frame[1]));
            } finally {
                Arrays.fill(frame[1], (byte) 0);
            }
        } catch (EOFException e) {
            throw new AgentException(AgentStatus.UNKNOWN_SESSION, SocketState.UNUSABLE, "the agent at " + agentSocket
                    + " closed the session's connection (it releases sessions after session-idle-ms without an "
                    + "operation, and when it stops)", e);
        } catch (SocketTimeoutException e) {
            throw new AgentException(AgentStatus.TIMEOUT, SocketState.UNUSABLE, "no answer to " + request.op()
                    + " within " + wait + " ms", e);
        } catch (WireException e) {
            throw new AgentException(AgentStatus.INTERNAL_ERROR, SocketState.UNUSABLE, "malformed reply to "
                    + request.op() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new AgentException(AgentStatus.INTERNAL_ERROR, SocketState.UNUSABLE, "cannot reach the agent at "
                    + agentSocket + " for " + request.op() + ": " + e.getMessage(), e);
        }
        return switch (reply.status()) {
            case OK -> reply;
            case REKEY_UNSUPPORTED -> throw new KernelFeatureException(Errno.EOPNOTSUPP, "TLS 1.3 rekey", "6.14",
                    "the handshake agent cannot install the next key for " + request.op() + ": " + reply.message());
            case WOULD_BLOCK -> throw new WouldBlockException(request.op() + ": " + reply.message());
            default -> throw new AgentException(reply.status(), reply.socketState(), request.op() + ": "
                    + reply.message());
        };
    }

    private static long sendWait(KtlsSocket socket) {
        return socket.channel().isBlocking() ? SessionRequest.DEFAULT_SEND_WAIT_MS : 0;
    }

    private static long deadline(long millis) {
        return System.nanoTime() + millis * 1_000_000;
    }

    @Override
    public String toString() {
        return "RoutedDuties[" + agentSocket + (released ? ", released" : "") + "]";
    }
}
