package io.ktls4j.sw;

import io.ktls4j.RecordType;
import java.nio.ByteBuffer;

/**
 * A decrypted record: its type and the plaintext not yet consumed (read mode). A record decrypted straight into the
 * caller's buffer ({@link #direct}) has {@code data} as a view of that buffer's new bytes.
 */
final class Plain {
    final RecordType type;
    final ByteBuffer data;
    final boolean direct;

    Plain(RecordType type, ByteBuffer data) {
        this(type, data, false);
    }

    private Plain(RecordType type, ByteBuffer data, boolean direct) {
        this.type = type;
        this.data = data;
        this.direct = direct;
    }

    /** A record whose plaintext was written to {@code dst} from {@code start} to its position. */
    static Plain inPlace(RecordType type, ByteBuffer dst, int start) {
        return new Plain(type, dst.slice(start, dst.position() - start), true);
    }

    /**
     * Takes a record decrypted in place back out of the caller's buffer (it must not be delivered by this read):
     * copies its plaintext and rewinds the buffer to where the record began.
     */
    Plain takeBack(ByteBuffer dst) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data.duplicate()).flip();
        int start = dst.position() - data.remaining();
        for (int i = start; i < dst.position(); i++) {
            dst.put(i, (byte) 0);
        }
        dst.position(start);
        return new Plain(type, copy);
    }

    boolean sameType(Plain other) {
        return type.value() == other.type.value();
    }
}
