package io.ktls4j.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check itself can fail: a buffer dropped without release() is reported. */
class LeakCheckTest {

    @Test
    void aBufferNeverReleasedIsReported() {
        assertThat(LeakCheck.active()).isTrue();
        LeakCheck.collect();
        int before = LeakCheck.reports().size();
        leak();
        LeakCheck.collect();
        assertThat(LeakCheck.reports().size()).isGreaterThan(before);
        assertThat(LeakCheck.reports().get(LeakCheck.reports().size() - 1)).contains("LEAK");
        LeakCheck.clear();
    }

    private static void leak() {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(128);
        b.writeLong(42);
    }
}
