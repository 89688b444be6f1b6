package io.ktls4j.agent;

import io.ktls4j.agent.wire.FrameStream;
import io.ktls4j.agent.wire.HandshakeReply;
import io.ktls4j.agent.wire.Wire;
import java.nio.file.Path;
import java.util.Arrays;

/** Talks the wire protocol by hand, for requests the consumer API would never send. */
public final class RawClient {
    private RawClient() {
    }

    /** Sends {@code frame} with {@code fds} and returns the agent's reply. */
    public static HandshakeReply exchange(Path socket, byte[] frame, int... fds) throws Exception {
        try (FrameStream u = FrameStream.connect(socket)) {
            u.write(frame, fds, System.nanoTime() + 5_000_000_000L);
            byte[][] reply = u.readFrame(Wire.MAX_REPLY_BODY, System.nanoTime() + 30_000_000_000L);
            if ((reply[0][3] & 0xff) != Wire.TYPE_HANDSHAKE_REPLY) {
                throw new AssertionError("reply frame type " + (reply[0][3] & 0xff));
            }
            return HandshakeReply.decode(Wire.fields(reply[1]));
        }
    }

    /** A request frame with the fields given as raw bytes. */
    public static byte[] frame(int version, int type, byte[] body) {
        byte[] f = Arrays.copyOf(new byte[] {0x6B, 0x41, (byte) version, (byte) type,
            (byte) (body.length >>> 24), (byte) (body.length >>> 16), (byte) (body.length >>> 8), (byte) body.length},
                8 + body.length);
        System.arraycopy(body, 0, f, 8, body.length);
        return f;
    }
}
