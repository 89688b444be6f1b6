package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.handshake.spi.HandshakeEngine;
import io.ktls4j.handshake.spi.Handshakes;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The contract the handshake engine's fuzz targets ({@link ServerEngineFuzzTest}, {@link ClientEngineFuzzTest}) check.
 * Fuzzes the handshake's record reader and BouncyCastle underneath it with what a peer can send before the keys
 * exist: a server engine fed arbitrary bytes (and mutated copies of a real ClientHello), a client engine fed
 * arbitrary replies to its ClientHello. The contract on every input: only {@link TlsAlertException} or
 * {@link TlsHandshakeException} come out (never a runtime exception); input is consumed in whole records only and
 * never beyond what was offered; a failed engine stays failed, wants no more input and holds a bounded output.
 * Regression inputs in src/test/resources/io/ktls4j/handshake/ServerEngineFuzzTestInputs and
 * ClientEngineFuzzTestInputs; {@code JAZZER_FUZZ=1} fuzzes.
 */
final class EngineFuzzing {
    private EngineFuzzing() {
    }

    static KtlsContext server;
    static KtlsContext client;
    static byte[] clientHello;

    static synchronized void setUp() throws Exception {
        if (server == null) {
            server = KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem)).build();
            client = KtlsContext.forClient().trustManager(TestPki.get().caPem).build();
            try (HandshakeEngine c = Handshakes.newEngine(client, "localhost")) {
                c.start();
                ByteBuffer hello = ByteBuffer.allocate(c.outputBytes());
                c.readOutput(hello);
                clientHello = hello.array();
            }
        }
    }

    /** Offers {@code input} in chunks of the engine's own choosing and checks the contract. */
    static void feed(HandshakeEngine engine, byte[] input) {
        ByteBuffer src = ByteBuffer.wrap(input);
        IOException failure = null;
        try {
            while (src.hasRemaining() && !engine.isComplete()) {
                int before = src.remaining();
                int n = engine.offer(src);
                assertThat(n).isEqualTo(before - src.remaining()).isBetween(0, before);
                if (n == 0) {
                    break;
                }
                engine.readOutput(ByteBuffer.allocate(engine.outputBytes()));
            }
        } catch (TlsAlertException | TlsHandshakeException e) {
            failure = e;
        } catch (IOException e) {
            throw new AssertionError("an undocumented exception type: " + e, e);
        }
        if (failure != null) {
            assertThat(engine.bytesWanted()).isZero();
            assertThat(engine.outputBytes()).as("bounded output: one flight and an alert").isLessThan(1 << 16);
            IOException again = null;
            try {
                engine.offer(ByteBuffer.allocate(1));
            } catch (IOException e) {
                again = e;
            }
            assertThat(again).as("a failed engine stays failed").isSameAs(failure);
        }
        assertThat(engine.isComplete()).as("no handshake completes from fuzz bytes").isFalse();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
