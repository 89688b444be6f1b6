package io.ktls4j.linux;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: the first key of one direction installed through {@link Ktls#attach}'s per-direction policy, where it went
 * and why: the kernel took it, or the software record layer did, with the kernel's refusal or the probe's reason.
 */
@Name("io.ktls4j.KeyInstall")
@Label("kTLS Key Install")
@Category({"ktls4j", "TLS"})
@Description("A direction's keys installed: the backend that carries it and the reason for a fallback")
@StackTrace(false)
final class KeyInstallEvent extends Event {
    @Label("Direction")
    String direction;

    @Label("Backend")
    @Description("KERNEL_SW, KERNEL_HW, SOFTWARE, ...")
    String backend;

    @Label("Fallback")
    @Description("The kernel was preferred but the software record layer took the direction")
    boolean fallback;

    @Label("Reason")
    String reason;
}
