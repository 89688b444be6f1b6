package io.ktls4j.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty's leak detector reports a buffer that was never released. The module's surefire
 * configuration runs with {@code io.netty.leakDetection.level=paranoid} (every buffer tracked) and installs
 * {@link RecordingDetector} as the detector, which records each report here instead of only logging it. After each
 * test the garbage collector runs and fresh buffers are allocated, which is when the detector looks at what was
 * collected unreleased.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    /** Netty instantiates this by name (system property {@code io.netty.customResourceLeakDetector}). */
    public static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        public RecordingDetector(Class<?> resourceType, int samplingInterval) {
            super(resourceType, samplingInterval);
        }

        public RecordingDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
            super(resourceType, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add("LEAK: " + resourceType + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add("LEAK: " + resourceType + " (untraced)");
            super.reportUntracedLeak(resourceType);
        }
    }

    /** The leak reports recorded since the last {@link #beforeEach} (for the check's own test). */
    static List<String> reports() {
        return List.copyOf(LEAKS);
    }

    static void clear() {
        LEAKS.clear();
    }

    /** True when the detector in use is the recording one at paranoid level (the module's surefire settings). */
    static boolean active() {
        return RecordingDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"))
                && ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        assertThat(active()).as("the tests run with the recording leak detector at paranoid level").isTrue();
        collect(); // leaks of earlier tests are theirs
        LEAKS.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        collect();
        assertThat(LEAKS).as("buffers leaked (Netty's leak detector reports)").isEmpty();
    }

    /** Collects garbage and allocates tracked buffers until the detector has seen what was collected. */
    static void collect() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (ByteBufAllocator a : new ByteBufAllocator[] {ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT,
                    UnpooledByteBufAllocator.DEFAULT}) {
                for (int i = 0; i < 64; i++) {
                    ByteBuf b = i % 2 == 0 ? a.directBuffer(64) : a.heapBuffer(64);
                    b.release();
                }
            }
        }
    }
}
