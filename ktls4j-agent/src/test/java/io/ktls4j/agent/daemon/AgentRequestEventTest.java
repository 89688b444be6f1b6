package io.ktls4j.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.agent.AgentException;
import io.ktls4j.agent.AgentFixture;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.JsseEcho;
import io.ktls4j.agent.Lines;
import io.ktls4j.handshake.KtlsConnection;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's JFR event: each request, who sent it and what the agent decided. */
class AgentRequestEventTest {
    @TempDir
    Path tmp;

    @Test
    void eachRequestIsRecordedWithItsDecision() throws Exception {
        List<RecordedEvent> events;
        try (Recording recording = new Recording();
             AgentFixture fixture = AgentFixture.withSoftwareReturn("")) {
            recording.enable("io.ktls4j.AgentRequest");
            recording.start();
            try (JsseEcho peer = new JsseEcho("TLSv1.3")) {
                try (SocketChannel ch = SocketChannel.open(peer.address())) {
                    assertThatThrownBy(() -> fixture.agent().handshake(ch,
                            HandshakeRequest.client("localhost").credential("nobody-has-this").build()))
                            .isInstanceOf(AgentException.class);
                }
                try (SocketChannel ch = SocketChannel.open(peer.address());
                     KtlsConnection c = fixture.agent().handshake(ch, HandshakeRequest.client("localhost").build())) {
                    Lines.send(c, "recorded");
                    assertThat(Lines.receive(c)).isEqualTo("RECORDED");
                }
            }
            recording.stop();
            Path file = tmp.resolve("agent.jfr");
            recording.dump(file);
            events = RecordingFile.readAllEvents(file);
        }
        List<RecordedEvent> requests = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.ktls4j.AgentRequest")).toList();
        assertThat(requests).extracting(e -> e.getString("decision")).contains("UNKNOWN_CREDENTIAL", "OK");
        assertThat(requests).allSatisfy(e -> {
            assertThat(e.getString("consumer")).contains("pid=" + ProcessHandle.current().pid());
            assertThat(e.getLong("request")).isPositive();
        });
        assertThat(requests).filteredOn(e -> e.getString("decision").equals("UNKNOWN_CREDENTIAL"))
                .allSatisfy(e -> assertThat(e.getString("message")).contains("nobody-has-this"));
    }
}
