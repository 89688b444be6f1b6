package io.ktls4j.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KtlsException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions for the typed errno errors of the contract. */
public final class Expect {
    private Expect() {
    }

    /**
     * Asserts that {@code call} fails with exactly this exception type (or a subtype) carrying {@code errno}: the Java
     * form of {@code EXPECT_EQ(call, -1); EXPECT_EQ(errno, E)}.
     */
    public static <E extends KtlsException> E errno(Class<E> type, Errno errno, ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected %s with %s", type.getSimpleName(), errno).isInstanceOf(type);
        E e = type.cast(t);
        assertThat(e.errno()).as("errno of %s", e).isEqualTo(errno);
        assertThat(e.getMessage()).as("message names the errno").contains(errno.name());
        return e;
    }

    /**
     * Asserts that a backend without a feature says so: {@link KernelFeatureException} naming the feature and the
     * first Linux version that has it (the errno is whatever the kernel answered).
     */
    public static KernelFeatureException missingFeature(ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("a backend without the feature must throw KernelFeatureException")
                .isInstanceOf(KernelFeatureException.class);
        KernelFeatureException e = (KernelFeatureException) t;
        assertThat(e.feature()).as("feature named").isNotBlank();
        assertThat(e.sinceVersion()).as("first Linux version named").isNotBlank();
        assertThat(e.errno()).as("errno").isNotNull();
        return e;
    }
}
