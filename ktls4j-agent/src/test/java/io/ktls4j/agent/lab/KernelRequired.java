package io.ktls4j.agent.lab;

import io.ktls4j.linux.KernelTls;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables a test class, with a one-line reason, when this kernel has no kTLS; fails it instead when
 * {@code KTLS4J_REQUIRE_KERNEL=1} (the kernel lab sets it, so a lab run cannot pass by skipping).
 */
public final class KernelRequired implements ExecutionCondition, BeforeAllCallback {
    static boolean required() {
        return "1".equals(System.getenv("KTLS4J_REQUIRE_KERNEL"));
    }

    private static String why() {
        return "no kTLS on Linux " + KernelTls.kernelRelease() + ": " + KernelTls.unavailabilityCause().getMessage();
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (KernelTls.isAvailable() || required()) {
            return ConditionEvaluationResult.enabled("kTLS is available (or required)");
        }
        return ConditionEvaluationResult.disabled(why());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!KernelTls.isAvailable()) {
            Assertions.fail("KTLS4J_REQUIRE_KERNEL=1 but " + why());
        }
    }
}
