package io.ktls4j.handshake;

import static io.ktls4j.handshake.EngineFuzzing.feed;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ktls4j.handshake.spi.HandshakeEngine;
import io.ktls4j.handshake.spi.Handshakes;
import java.nio.ByteBuffer;

/** A server engine fed what a client may send before the keys exist ({@link EngineFuzzing}'s contract). */
class ServerEngineFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void serverEngine(FuzzedDataProvider in) throws Exception {
        EngineFuzzing.setUp();
        byte[] input;
        if (in.consumeBoolean()) {
            input = EngineFuzzing.clientHello.clone(); // a real ClientHello, mutated
            int flips = in.consumeInt(1, 8);
            for (int i = 0; i < flips; i++) {
                input[in.consumeInt(0, input.length - 1)] ^= in.consumeByte();
            }
            byte[] tail = in.consumeRemainingAsBytes();
            input = EngineFuzzing.concat(input, tail);
        } else {
            input = in.consumeRemainingAsBytes();
        }
        try (HandshakeEngine s = Handshakes.newEngine(EngineFuzzing.server, null)) {
            feed(s, input);
        }
    }

}
