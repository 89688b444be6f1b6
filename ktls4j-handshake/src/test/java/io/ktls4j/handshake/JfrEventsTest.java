package io.ktls4j.handshake;

import io.ktls4j.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.linux.BackendPolicy;
import io.ktls4j.linux.Ktls;
import io.ktls4j.linux.KernelTls;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JFR events, recorded for real: a handshake, each direction's first key with its backend and reason, KeyUpdates
 * both ways, and the record error of a peer that goes without close_notify. None carries key material.
 */
class JfrEventsTest {
    @TempDir
    Path tmp;

    @Test
    void aConnectionsLifeIsRecorded() throws Exception {
        List<RecordedEvent> events;
        try (Recording recording = new Recording()) {
            for (String name : List.of("io.ktls4j.TlsHandshake", "io.ktls4j.KeyInstall", "io.ktls4j.KeyUpdate",
                    "io.ktls4j.RecordError")) {
                recording.enable(name);
            }
            recording.start();
            KtlsContext server = KtlsContext.forServer(TestPki.get().ecServer.loadWith(Credentials::fromPem))
                    .backend(Ktls.backend(BackendPolicy.AUTO)).build();
            KtlsContext client = KtlsContext.forClient().trustManager(TestPki.get().caPem)
                    .backend(Ktls.backend(BackendPolicy.AUTO)).build();
            try (Loopback l = Loopback.handshake(server, client, "localhost")) {
                KtlsConnection c = l.client.get();
                KtlsConnection s = l.server.get();
                c.keyUpdate(true); // TX on the client; the server's RX, and its answering TX
                c.write(ByteBuffer.wrap(new byte[] {1}));
                s.read(ByteBuffer.allocate(1));
                s.write(ByteBuffer.wrap(new byte[] {2}));
                c.read(ByteBuffer.allocate(1));
                c.socketChannel().close(); // no close_notify: the server's next read is a truncation
                try {
                    s.read(ByteBuffer.allocate(1));
                } catch (TlsTruncationException expected) {
                    // recorded as a record error
                }
            }
            recording.stop();
            Path file = tmp.resolve("ktls.jfr");
            recording.dump(file);
            events = RecordingFile.readAllEvents(file);
            assertThat(Files.size(file)).isPositive();
        }
        List<RecordedEvent> handshakes = named(events, "io.ktls4j.TlsHandshake");
        assertThat(handshakes).hasSize(2);
        assertThat(handshakes).extracting(e -> e.getString("role")).containsExactlyInAnyOrder("CLIENT", "SERVER");
        for (RecordedEvent h : handshakes) {
            assertThat(h.getString("outcome")).isEqualTo("ok");
            assertThat(h.getString("protocolVersion")).isEqualTo("TLSv1.3");
            assertThat(h.getString("cipherSuite")).startsWith("TLS_");
            assertThat(h.getString("group")).as("two ktls4j ends agree on the hybrid, first by default")
                    .isEqualTo(TlsGroup.X25519_MLKEM768.toString());
            assertThat(h.getBoolean("resumed")).isFalse();
            assertThat(h.getString("peer")).contains("127.0.0.1");
            assertThat(h.getDuration().toNanos()).isPositive();
        }
        List<RecordedEvent> installs = named(events, "io.ktls4j.KeyInstall");
        assertThat(installs).hasSize(4); // TX and RX on each end
        String expected = KernelTls.isAvailable() ? "KERNEL" : "SOFTWARE";
        for (RecordedEvent i : installs) {
            assertThat(i.getString("backend")).startsWith(expected);
            assertThat(i.getBoolean("fallback")).isEqualTo(!KernelTls.isAvailable());
            assertThat(i.getString("reason")).isNotBlank();
        }
        List<RecordedEvent> updates = named(events, "io.ktls4j.KeyUpdate");
        assertThat(updates).extracting(e -> e.getString("direction") + " " + e.getBoolean("updateRequested"))
                .contains("TLS_TX true", "TLS_RX true", "TLS_TX false", "TLS_RX false");
        List<RecordedEvent> errors = named(events, "io.ktls4j.RecordError");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).getString("error")).isEqualTo("TlsTruncationException");
        for (RecordedEvent e : events) {
            assertThat(e.toString()).doesNotContainIgnoringCase("key=").doesNotContain("secret");
        }
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
