package io.ktls4j.sw;

import io.ktls4j.RecordType;
import java.nio.ByteBuffer;

/** A decrypted record waiting to be read: its type and the plaintext not yet consumed (read mode). */
final class Plain {
    final RecordType type;
    final ByteBuffer data;

    Plain(RecordType type, ByteBuffer data) {
        this.type = type;
        this.data = data;
    }

    boolean sameType(Plain other) {
        return type.value() == other.type.value();
    }
}
