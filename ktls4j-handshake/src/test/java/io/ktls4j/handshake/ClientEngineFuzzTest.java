package io.ktls4j.handshake;

import static io.ktls4j.handshake.EngineFuzzing.feed;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ktls4j.handshake.spi.HandshakeEngine;
import io.ktls4j.handshake.spi.Handshakes;
import java.nio.ByteBuffer;

/** A client engine fed arbitrary replies to its ClientHello ({@link EngineFuzzing}'s contract). */
class ClientEngineFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void clientEngine(byte[] serverBytes) throws Exception {
        EngineFuzzing.setUp();
        try (HandshakeEngine c = Handshakes.newEngine(EngineFuzzing.client, "localhost")) {
            c.start();
            c.readOutput(ByteBuffer.allocate(c.outputBytes()));
            feed(c, serverBytes);
        }
    }

}
