package io.ktls4j.cli;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link ProxyCases} on the splice path ({@code --splice always}): real {@code splice(2)} between the
 * backend sockets and {@code pipe2} pipes, the software record layer on the TLS side of each pipe (this host has no
 * kTLS; the kernel lab runs the path with both sides in the kernel, {@code ProxyKernelLabTest}).
 */
class ProxySpliceOnSoftwareTest extends ProxyCases {
    @BeforeAll
    static void start() throws Exception {
        // 250 at once: the thousand of ProxyCommandTest take twice as long here (four pipe descriptors and twice the
        // system calls per connection, on the software record layer), for what that test already shows
        startProxy("splice", 250, "--splice", "always");
    }
}
