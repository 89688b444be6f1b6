package io.ktls4j.linux;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a test class, with a one-line reason, when this kernel has no kTLS; fails it instead when
 * {@code KTLS4J_REQUIRE_KERNEL=1} (the kernel lab sets it, so a lab run can never pass by skipping).
 */
public final class KernelRequired implements BeforeAllCallback, BeforeEachCallback {

    public static boolean required() {
        return "1".equals(System.getenv("KTLS4J_REQUIRE_KERNEL"));
    }

    public static void check() {
        if (KernelTls.isAvailable()) {
            return;
        }
        String why = "no kTLS on Linux " + KernelTls.kernelRelease() + ": " + KernelTls.unavailabilityCause().getMessage();
        if (required()) {
            Assertions.fail("KTLS4J_REQUIRE_KERNEL=1 but " + why);
        }
        Assumptions.abort(why);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        check();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        check();
    }
}
