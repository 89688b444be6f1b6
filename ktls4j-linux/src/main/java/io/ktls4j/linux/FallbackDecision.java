package io.ktls4j.linux;

import io.ktls4j.BackendKind;
import io.ktls4j.Direction;

/**
 * Where one direction of a socket attached with {@link Ktls#attach} went, and why.
 *
 * @param direction TX or RX
 * @param backend {@link BackendKind#KERNEL_SW} (or HW) when the kernel took it, {@link BackendKind#SOFTWARE} when it
 *     fell back (or the policy asked for software)
 * @param fellBack true when the kernel was asked and refused, so the direction went to the software backend
 * @param reason one line: what the kernel answered, or the policy that decided
 */
public record FallbackDecision(Direction direction, BackendKind backend, boolean fellBack, String reason) {

    public boolean isKernel() {
        return backend.isKernel();
    }

    @Override
    public String toString() {
        return direction + " → " + backend + (fellBack ? " (fallback: " : " (") + reason + ")";
    }
}
