package io.ktls4j.testkit;

/**
 * The JUnit tags that decide where a test runs in the kernel lab ({@code ktls4j-lab}): each lab pass selects its tests
 * by tag over every module's test classes, not by package. A test without one of these tags runs on the host only.
 */
public final class LabTags {
    /** Needs a kTLS kernel: runs in every lab pass that loads the tls module (Debian's 6.1 and the newer kernel). */
    public static final String KERNEL = "lab-kernel";
    /** Needs a kTLS kernel, and once is enough (costly under emulation, not kernel-version dependent): 6.1 only. */
    public static final String KERNEL_FIRST = "lab-kernel-first";
    /** Needs a kTLS kernel, run on the newer kernel only (its own pass is shorter). */
    public static final String KERNEL_NEWEST = "lab-kernel-newest";
    /** For a kernel whose tls module cannot load: the lab pass booted with {@code module_blacklist=tls}. */
    public static final String NO_TLS_MODULE = "no-tls-module";

    private LabTags() {
    }
}
