package io.ktls4j.testkit;

import io.ktls4j.TlsBackend;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code @ExtendWith(KernelRequired.class)}: disables a test class, with a one-line reason, when this kernel has no
 * kTLS; fails it instead when {@code KTLS4J_REQUIRE_KERNEL=1} (the kernel lab sets it, so a lab run can never pass
 * by skipping). The kernel backend is looked up by name, so the test kit needs no dependency on ktls4j-linux (whose
 * own tests use it).
 */
public final class KernelRequired implements ExecutionCondition, BeforeAllCallback {
    private static final String KERNEL_BACKEND = "io.ktls4j.linux.KernelBackend";

    /** True when the environment says the kernel's kTLS must be there ({@code KTLS4J_REQUIRE_KERNEL=1}). */
    public static boolean required() {
        return "1".equals(System.getenv("KTLS4J_REQUIRE_KERNEL"));
    }

    /** True when this machine's kernel has kTLS. */
    public static boolean available() {
        return kernel().isAvailable();
    }

    /** Why this kernel has no kTLS (one line), or null. */
    public static String why() {
        return kernel().unavailabilityCause();
    }

    private static TlsBackend kernel() {
        try {
            return (TlsBackend) Class.forName(KERNEL_BACKEND).getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(KERNEL_BACKEND + " is not there: ktls4j-linux must be on the test path", e);
        }
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (available() || required()) {
            return ConditionEvaluationResult.enabled("kTLS is available (or required)");
        }
        return ConditionEvaluationResult.disabled(why());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!available()) {
            Assertions.fail("KTLS4J_REQUIRE_KERNEL=1 but " + why());
        }
    }
}
