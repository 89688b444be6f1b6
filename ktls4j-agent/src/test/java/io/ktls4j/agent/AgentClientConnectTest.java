package io.ktls4j.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.linux.unix.UnixServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AgentClient#connect(Path, Duration)}: how long a consumer waits for the agent's PONG is the caller's. */
class AgentClientConnectTest {
    @TempDir
    Path dir;

    /** Something listens but never answers: the PING fails once the given time is up, not the default 10 s. */
    @Test
    void aSilentListenerFailsTheConnectAfterTheGivenTimeout() throws Exception {
        try (UnixServerSocket silent = UnixServerSocket.bind(dir.resolve("silent.sock"))) {
            silent.listen(1);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> AgentClient.connect(silent.path(), Duration.ofMillis(300)))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("no complete frame within the time allowed");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("time until the connect gave up")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(300))
                    .isLessThan(Duration.ofMillis(AgentClient.SEND_MILLIS));
        }
    }

    @Test
    void aTimeoutThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> AgentClient.connect(dir.resolve("none.sock"), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the timeout to wait for the agent must be positive, not PT0S");
    }
}
